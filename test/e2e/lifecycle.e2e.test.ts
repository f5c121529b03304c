/**
 * The README's Quickstart, driven like a person would, against a real `berth up` (Podman,
 * Caddy, SQLite): create, deploy, serve, deploy v2 under load with zero failed requests,
 * releases, rollback, env, scale, logs, show.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { App, Deployment, Release } from '@berth/protocol';
import { ensureExampleImages, HELLO_V1, HELLO_V2 } from '../support/images.js';
import { BerthUnderTest } from './support/berth.js';
import { runLoad } from './support/load.js';

describe('one machine, end to end', () => {
  let berth: BerthUnderTest;

  before(async () => {
    await ensureExampleImages();
    berth = await BerthUnderTest.create();
    await berth.start();
  });
  after(async () => {
    await berth?.destroy();
  });

  test('create and deploy: served through the proxy, exit 0 only when live', async () => {
    const created = await berth.cli([
      'apps',
      'create',
      'web',
      '--image',
      HELLO_V1,
      '--port',
      '8080',
      '--health-path',
      '/',
      '--replicas',
      '2',
    ]);
    assert.equal(created.code, 0, created.stderr);
    const deployed = await berth.cli(['deploy', 'web']);
    assert.equal(deployed.code, 0, deployed.stdout + deployed.stderr);
    assert.match(
      deployed.stdout,
      /\[\s*[\d.]+m?s\] .*healthy and now serves traffic/,
      'progress steps carry elapsed time',
    );
    const res = await berth.get('web');
    assert.equal(res.status, 200);
    assert.match(res.body, /hello v1/);
    const app = await berth.json<App>(['apps', 'show', 'web']);
    assert.equal(app.status, 'running');
    assert.equal(app.replicaStatus.filter((r) => r.state === 'serving').length, 2);
  });

  test('deploy v2 under load: not one failed request', async () => {
    const deploy = berth.cli(['deploy', 'web', '--image', HELLO_V2]);
    const load = await runLoad({
      port: berth.httpPort,
      host: 'web.localhost',
      concurrency: 8,
      until: deploy,
      minRequests: 2000,
      maxMs: 120_000,
      keepAlive: true,
    });
    const result = await deploy;
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const total = load.ok + load.non2xx + load.errors;
    assert.ok(total >= 2000, `only ${total} requests were made`);
    assert.deepEqual(
      { non2xx: load.non2xx, errors: load.errors, codes: load.errorCodes },
      { non2xx: 0, errors: 0, codes: {} },
    );
    assert.ok(
      (load.bodies['hello v1'] ?? 0) > 0 && (load.bodies['hello v2'] ?? 0) > 0,
      JSON.stringify(load.bodies),
    );
    assert.match((await berth.get('web')).body, /hello v2/);
  });

  test('releases lists both, newest first, v2 current', async () => {
    const releases = await berth.json<Release[]>(['releases', 'web']);
    assert.deepEqual(
      releases.map((r) => [r.version, r.image, r.current]),
      [
        [2, HELLO_V2, true],
        [1, HELLO_V1, false],
      ],
    );
    assert.match(releases[0]?.imageId ?? '', /^sha256:[0-9a-f]{64}$/);
  });

  test('rollback puts the previous release back, rolled out the same way', async () => {
    const r = await berth.cli(['rollback', 'web']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match((await berth.get('web')).body, /hello v1/);
    const releases = await berth.json<Release[]>(['releases', 'web']);
    assert.equal(releases.find((x) => x.current)?.version, 1);
  });

  test('env set makes a new release with the new env', async () => {
    const r = await berth.cli(['env', 'set', 'web', 'GREETING=hi']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match((await berth.get('web')).body, /hello v1 hi/);
    const env = await berth.json<Record<string, string>>(['env', 'list', 'web']);
    assert.deepEqual(env, { GREETING: 'hi' });
    const releases = await berth.json<Release[]>(['releases', 'web']);
    assert.deepEqual(
      [releases[0]?.version, releases[0]?.image, releases[0]?.env],
      [3, HELLO_V1, { GREETING: 'hi' }],
      'the env release keeps the running image (v1 after the rollback)',
    );
  });

  test('scale to 3 adds replicas of the current release', async () => {
    const r = await berth.cli(['scale', 'web', '--replicas', '3']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const app = await berth.json<App>(['apps', 'show', 'web']);
    assert.equal(app.replicas, 3);
    assert.equal(app.replicaStatus.filter((x) => x.state === 'serving' && x.releaseVersion === 3).length, 3);
    const running = (await berth.containers()).filter((c) => c.state === 'running');
    assert.equal(running.length, 3, JSON.stringify(running));
  });

  test('logs show every replica, prefixed, with timestamps', async () => {
    const r = await berth.cli(['logs', 'web', '--tail', '5']);
    assert.equal(r.code, 0, r.stderr);
    const replicas = new Set(
      r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' | ')[0]),
    );
    assert.equal(replicas.size, 3, r.stdout);
    assert.match(r.stdout, /berth-web-v3-\w+-1 \| \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
  });

  test('logs --follow streams lines written after it started', async () => {
    const follow = berth.cliStream(['logs', 'web', '--follow', '--tail', '0', '--json']);
    // busybox httpd logs the status, not the path: a 404 can only come from these requests. The
    // follow attaches when the CLI has started and berthd has opened the stream, so keep asking
    // until one of them shows up in it.
    const deadline = Date.now() + 30_000;
    for (let i = 0; !follow.stdout().includes('response:404'); i++) {
      assert.ok(Date.now() < deadline, `no request was followed: ${follow.stdout()}`);
      assert.equal((await berth.get('web', `/no-such-page-${i}`)).status, 404);
      await new Promise((r) => setTimeout(r, 100));
    }
    follow.kill('SIGINT');
    const out = await follow.done;
    assert.equal(out.code, 0, out.stderr);
    const first = JSON.parse(out.stdout.split('\n')[0] ?? '{}') as { replica?: string; stream?: string };
    assert.ok(
      first.replica?.startsWith('berth-web-') && (first.stream === 'stderr' || first.stream === 'stdout'),
    );
  });

  test('deploy --no-wait --json returns the queued deployment at once', async () => {
    const d = await berth.json<Deployment>(['deploy', 'web', '--no-wait']);
    assert.ok(['queued', 'preparing', 'rolling_out'].includes(d.status), d.status);
    const done = await berth.cli(['deployments', 'show', d.id, '--follow']);
    assert.equal(done.code, 0, done.stdout + done.stderr);
  });

  test('a user mistake exits 1 with a message that names what to do', async () => {
    const missing = await berth.cli(['deploy', 'nope']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no app named "nope"/);
    assert.match(missing.stderr, /berth apps list/);
    const bad = await berth.cli(['apps', 'create', 'Bad_Name', '--image', HELLO_V1]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /name/);
    const json = await berth.cli(['apps', 'show', 'nope', '--json']);
    assert.equal(json.code, 1);
    assert.equal((JSON.parse(json.stdout) as { error: { exitCode: number } }).error.exitCode, 1);
  });
});
