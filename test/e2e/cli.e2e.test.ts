/**
 * Issue 9, the CLI as a new user meets it, against a real `berth up`: a `berth deploy` that is
 * following its deployment when berthd is killed reconnects and ends with the deployment's real
 * outcome (one deployment, exit 0); `logs --since/--grep`; "did you mean" for an app name that
 * never reveals another team's apps; bad input exits 1 with one message per field in flag
 * wording; `releases` says what each release is; and a git app deployed from a working tree
 * with uncommitted changes says what is, and is not, deployed.
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Deployment, LogLine } from '@berth/protocol';
import { createTestRepo } from '../support/git-repos.js';
import { ensureExampleImages, HELLO_V1 } from '../support/images.js';
import { BerthUnderTest } from './support/berth.js';

const STATIC_SAMPLE = fileURLToPath(new URL('../fixtures/apps/static', import.meta.url));

const errorLines = (stderr: string): string[] => stderr.split('\n').filter((l) => l.startsWith('error:'));

describe('the CLI as a new user meets it', () => {
  let berth: BerthUnderTest;
  let root: string;

  before(async () => {
    await ensureExampleImages();
    root = await mkdtemp(join(tmpdir(), 'berth-e2e-cli-'));
    berth = await BerthUnderTest.create();
    await berth.start();
    const created = await berth.cli(['apps', 'create', 'web', '--image', HELLO_V1, '--replicas', '1']);
    assert.equal(created.code, 0, created.stderr);
    const first = await berth.cli(['deploy', 'web']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    // From v2 on, each new replica takes 5 s to listen: time to kill berthd in the middle.
    const slow = await berth.cli(['env', 'set', 'web', 'SLOW_START=5']);
    assert.equal(slow.code, 0, slow.stdout + slow.stderr);
  });
  after(async () => {
    await berth?.destroy();
    if (root) await rm(root, { recursive: true, force: true });
  });

  async function deployments(): Promise<Deployment[]> {
    return berth.json<Deployment[]>(['deployments', 'list', 'web']);
  }

  test('kill -9 of berthd while `berth deploy` follows: it follows on, exit 0, one deployment', async () => {
    const before = await deployments();
    const deploying = berth.cli(['deploy', 'web']);
    // Kill berthd once the rollout is under way (the new replica needs 5 s to become healthy).
    let current: Deployment | undefined;
    for (let i = 0; i < 300 && current?.status !== 'rolling_out'; i++) {
      current = (await deployments()).find((d) => !before.some((b) => b.id === d.id));
      if (current?.status !== 'rolling_out') await sleep(50);
    }
    assert.equal(current?.status, 'rolling_out', 'the deployment never got under way');
    const pid = await berth.pid('berthd');
    process.kill(pid, 'SIGKILL');
    await berth.waitForRestart('berthd', pid);

    const r = await deploying;
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.stdout.match(/berthd restarted, following again/g)?.length, 1, r.stdout);
    assert.match(r.stdout, /Deployment \S+ succeeded in .*: v\d+ is live/);
    // It resumed after the last step it had shown: none is printed twice.
    assert.equal(r.stdout.match(/Rolling out 1 replica/g)?.length, 1, r.stdout);
    assert.doesNotMatch(r.stderr, /terminated/);

    const after = await deployments();
    assert.equal(after.length, before.length + 1, 'exactly one deployment for one deploy');
    assert.equal(after[0]?.id, current?.id);
    assert.equal(after[0]?.status, 'succeeded');
  });

  test('releases: a STATUS column says which serves and which rollback returns to', async () => {
    const r = await berth.cli(['releases', 'web']);
    assert.equal(r.code, 0, r.stderr);
    const [header, newest, older] = r.stdout.trim().split('\n');
    assert.match(header ?? '', /^VERSION\s+STATUS\s+IMAGE/);
    assert.match(newest ?? '', /^v\d+ \*\s+serving\s/);
    assert.match(older ?? '', /^v\d+\s+previous\s/);
  });

  test('logs --grep and --since: only the lines asked for, filtered on the agent', async () => {
    // Three requests the app answers 404, next to its health checks' 200s.
    for (let i = 0; i < 3; i++) assert.equal((await berth.get('web', `/missing-${i}`)).status, 404);
    let lines: LogLine[] = [];
    for (let i = 0; i < 100 && lines.length < 3; i++) {
      lines = await logLines(['--grep', 'response:404$']);
      if (lines.length < 3) await sleep(100);
    }
    assert.equal(lines.length, 3, JSON.stringify(lines));
    assert.ok(lines.every((l) => l.line.endsWith('response:404')));

    const started = await logLines(['--grep', '(?i)HELLO V\\d+ STARTING']);
    assert.equal(started.length, 1, JSON.stringify(started));
    const startedAt = Date.parse(started[0]?.at ?? '');
    assert.ok(Number.isFinite(startedAt));
    // Later than the start line (whole seconds here), and a health check is logged every second.
    const since = new Date(startedAt + 1000).toISOString();
    let later: LogLine[] = [];
    for (let i = 0; i < 100 && later.length === 0; i++) {
      later = await logLines(['--since', since]);
      if (later.length === 0) await sleep(100);
    }
    assert.ok(later.length > 0);
    assert.ok(later.every((l) => Date.parse(l.at) >= Date.parse(since) - 999 && !/starting/.test(l.line)));
    assert.equal((await logLines(['--since', '1h', '--grep', 'starting on port'])).length, 1);

    // A pattern that stalls a backtracking engine is harmless: RE2 matches in linear time.
    const evil = await berth.cli(['logs', 'web', '--grep', '(a+)+$', '--json']);
    assert.equal(evil.code, 0, evil.stderr);
  });

  async function logLines(args: string[]): Promise<LogLine[]> {
    const r = await berth.cli(['logs', 'web', ...args, '--json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    return r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as LogLine);
  }

  test('logs: a bad --since or --grep is the user’s mistake, named by its flag, once', async () => {
    for (const [args, message] of [
      [['--since', 'yesterday'], /^error: --since must be a duration like 90s/],
      [['--grep', '(a)\\1'], /^error: --grep is not a pattern Berth can run .*RE2/],
      [['--grep', '.{900}'], /^error: --grep is too complex/],
    ] as const) {
      const r = await berth.cli(['logs', 'web', ...args]);
      assert.equal(r.code, 1, r.stderr);
      const errors = errorLines(r.stderr);
      assert.equal(errors.length, 1, r.stderr);
      assert.match(errors[0] ?? '', message);
      assert.doesNotMatch(r.stderr, /querystring/);
    }
  });

  test('deploy wbe: did you mean web? Never a name of another team', async () => {
    const r = await berth.cli(['deploy', 'wbe']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /There is no app named "wbe"/);
    assert.match(r.stderr, /hint: Did you mean web\? berth deploy web$/m);

    // A token of another team sees its own apps only: no hint of `web`, but of its own `api`.
    assert.equal((await berth.cli(['teams', 'create', 'blue'])).code, 0);
    assert.equal((await berth.cli(['teams', 'allow-local-images', 'blue'])).code, 0);
    const api = await berth.cli(['apps', 'create', 'api', '--image', HELLO_V1, '--team', 'blue']);
    assert.equal(api.code, 0, api.stderr);
    const { token } = await berth.json<{ token: string }>([
      'tokens',
      'create',
      'blue-ops',
      '--role',
      'operator',
      '--team',
      'blue',
    ]);
    const blue = await berth.cli(['deploy', 'wbe'], { BERTH_TOKEN: token });
    assert.equal(blue.code, 1, blue.stderr);
    assert.doesNotMatch(blue.stderr, /web/);
    const typo = await berth.cli(['secrets', 'set', 'apu', 'K=v'], { BERTH_TOKEN: token });
    assert.equal(typo.code, 1, typo.stderr);
    assert.match(typo.stderr, /Did you mean api\? berth secrets set api …/);
    assert.doesNotMatch(typo.stderr, /K=v/, 'the hint leaves the pairs out');
  });

  test('secrets set --stdin with a bad line exits 1, shows nothing of it, saves nothing', async () => {
    const r = await berth.cli(['secrets', 'set', 'web', '--stdin'], {}, 'GOOD=1\nBAD-KEY=s3cr3t-value\n');
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^error: line 2 of stdin \(not shown: it may be a secret\) is not KEY=VALUE/m);
    assert.doesNotMatch(r.stdout + r.stderr, /s3cr3t|BAD-KEY/);
    const list = await berth.json<{ secrets: { key: string }[] }>(['secrets', 'list', 'web']);
    assert.deepEqual(list.secrets, []);
  });

  test('a validation error is printed once, in the words of the flag', async () => {
    const r = await berth.cli(['apps', 'create', 'bad', '--image', 'sha256:0123456789abcdef']);
    assert.equal(r.code, 1, r.stderr);
    const errors = errorLines(r.stderr);
    assert.equal(errors.length, 1, r.stderr);
    assert.match(errors[0] ?? '', /^error: --image must be an image reference/);
    assert.doesNotMatch(r.stderr, /body\./);
  });

  test('a git app from a working tree with uncommitted changes: warned, and told which commit', async () => {
    const boot = await berth.cli(['images', 'bootstrap', '--only', 'static']);
    assert.equal(boot.code, 0, boot.stdout + boot.stderr);
    const repo = await createTestRepo(join(root, 'site'));
    await cp(STATIC_SAMPLE, repo.path, { recursive: true });
    await repo.git(['add', '--all']);
    await repo.git(['commit', '--quiet', '-m', 'site v1']);
    const head = await repo.git(['rev-parse', 'HEAD']);
    assert.equal((await berth.cli(['apps', 'create', 'site', '--git', repo.path])).code, 0);

    await writeFile(join(repo.path, 'index.html'), '<p>static v2, not committed</p>\n');
    await writeFile(join(repo.path, 'new.html'), 'new\n');
    const r = await berth.cli(['deploy', 'site']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`warning: ${repo.path} has uncommitted changes \\(2 files\\)`));
    assert.match(r.stderr, new RegExp(`Deploying main at ${head.slice(0, 12)}: site v1`));
    assert.match((await berth.get('site')).body, /static v1/, 'the commit is what serves');

    // Committed, nothing to say.
    await repo.git(['add', '--all']);
    await repo.git(['commit', '--quiet', '-m', 'site v2']);
    const clean = await berth.cli(['deploy', 'site']);
    assert.equal(clean.code, 0, clean.stdout + clean.stderr);
    assert.doesNotMatch(clean.stderr, /uncommitted/);
    assert.match((await berth.get('site')).body, /static v2/);
  });
});
