/**
 * The built `berth` binary, as a script calls it: usage errors exit 1 before any request, an
 * unreachable berthd exits 3, and --json keeps errors machine-readable. BERTH_URL points at a
 * port nobody listens on, so a command that got as far as a request would say so.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../dist/main.js', import.meta.url));
let home: string;
let url: string;

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'berth-cli-'));
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const address = s.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  await new Promise((resolve) => s.close(resolve));
});
after(() => rm(home, { recursive: true, force: true }));

function berth(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      {
        // Nothing from the environment of whoever runs the tests: no data dir, no session.
        env: {
          PATH: process.env.PATH,
          HOME: home,
          XDG_CONFIG_HOME: home,
          XDG_DATA_HOME: home,
          BERTH_URL: url,
          BERTH_TOKEN: 't',
        },
        timeout: 30_000,
      },
      (err, stdout, stderr) => {
        const code = err && typeof err.code === 'number' ? err.code : err ? -1 : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

test('--version and --help answer without berthd', async () => {
  assert.deepEqual(await berth('--version'), { code: 0, stdout: '0.1.0\n', stderr: '' });
  const help = await berth('--help');
  assert.equal(help.code, 0);
  for (const command of ['up', 'apps', 'deploy', 'logs', 'scale', 'rollback', 'env', 'secrets'])
    assert.match(help.stdout, new RegExp(`\\n  ${command}\\b`), command);
});

test('a bad flag value exits 1 at parse time, naming the flag and the expected form', async () => {
  for (const replicas of ['', 'two', '99', '1e1']) {
    const r = await berth('scale', 'web', '--replicas', replicas);
    assert.equal(r.code, 1, `--replicas ${JSON.stringify(replicas)}: ${r.stderr}`);
    assert.match(
      r.stderr,
      /option '--replicas <n>' argument .* is invalid\. expected a whole number from 0 to 64/,
    );
  }
  const memory = await berth('scale', 'web', '--memory', '8M');
  assert.equal(memory.code, 1);
  assert.match(memory.stderr, /expected a size like 256M, 1G or 1\.5G/);
});

test('an unknown command or flag, or a missing argument, exits 1 with usage help', async () => {
  for (const args of [['deploi', 'web'], ['deploy', 'web', '--imagee', 'x'], ['deploy']]) {
    const r = await berth(...args);
    assert.equal(r.code, 1, args.join(' '));
    assert.match(r.stderr, /^error: /m, args.join(' '));
    assert.match(r.stderr, /run with --help for usage/, args.join(' '));
  }
});

test('a command that needs something more says which flags, with an example, and exits 1', async () => {
  const r = await berth('scale', 'web');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^error: give --replicas, or --cpu, --memory or --pids\n/);
  assert.match(r.stderr, /\nhint: e\.g\. berth scale web --replicas 2/);
});

test('berthd unreachable: exit 3 and what to check; with --json an error document on stdout', async () => {
  const r = await berth('apps', 'list');
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, new RegExp(`^error: Cannot reach berthd at ${url.replace(/\./g, '\\.')}`));
  assert.match(r.stderr, /\nhint: Is `berth up` running\? Check BERTH_URL or --url\n$/);

  const json = await berth('apps', 'list', '--json');
  assert.equal(json.code, 3);
  assert.equal(json.stderr, '');
  const doc = JSON.parse(json.stdout) as { error: { message: string; exitCode: number; hint: string } };
  assert.equal(doc.error.exitCode, 3);
  assert.match(doc.error.message, /^Cannot reach berthd/);
});
