/**
 * The database base images for real: bootstrapped from Debian packages into the shared test
 * builder's base store (seconds when already built; about 80 s for all three from the debian
 * image), handed (about 50 s for the three) to a Podman service of the test's own
 * (test/support/database-images.ts, shared with the database backup test), and run with Berth's hardened profile
 * (every capability dropped but KEPT_CAPABILITIES, no-new-privileges) and the container spec
 * from @berth/core, on a named volume. Each server must start as its own user, take the
 * generated credentials over TCP, refuse a wrong password, and keep its data in a new container
 * on the same volume. The `podman` CLI talks to the test's service (`--url`), never the host's.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  databaseConnectionUrl,
  databaseContainerSpec,
  generateDatabaseCredentials,
  type DatabaseContainerSpec,
} from '@berth/core';
import type { DatabaseEngine } from '@berth/protocol';
import { exportDatabaseImages } from '../../../../test/support/database-images.js';
import { startTestPodman, type TestPodman } from '../../../../test/support/podman.js';
import { KEPT_CAPABILITIES } from '../container/hardening.js';

let dir: string;
let podman: TestPodman;
const tag = randomBytes(4).toString('hex');
const made: { containers: string[]; volumes: string[]; images: string[] } = {
  containers: [],
  volumes: [],
  images: [],
};

const cli = async (
  args: string[],
  input?: string,
): Promise<{ stdout: string; stderr: string; code: number }> => {
  const child = execFile('podman', ['--url', `unix://${podman.socketPath}`, ...args], {
    timeout: 120_000,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  if (input !== undefined) child.stdin?.end(input);
  else child.stdin?.end();
  const code = await new Promise<number>((resolve) => child.once('close', (c) => resolve(c ?? -1)));
  return { stdout, stderr, code };
};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-db-images-'));
  podman = await startTestPodman(join(dir, 'podman'));
  const refs = await exportDatabaseImages({ socketPath: podman.socketPath, workDir: dir, tag });
  made.images.push(...Object.values(refs));
});

after(async () => {
  for (const c of made.containers) await cli(['rm', '-f', '-t', '0', c]);
  for (const v of made.volumes) await cli(['volume', 'rm', '-f', v]);
  for (const i of made.images) await cli(['rmi', '-f', i]);
  await podman.stop();
  await rm(dir, { recursive: true, force: true });
});

async function start(engine: DatabaseEngine, spec: DatabaseContainerSpec, volume: string): Promise<string> {
  const name = `berth-dbtest-${engine}-${randomBytes(3).toString('hex')}`;
  const env = Object.entries(spec.env).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
  const { code, stderr } = await cli([
    'run',
    '--detach',
    '--name',
    name,
    '--cap-drop',
    'ALL',
    '--cap-add',
    KEPT_CAPABILITIES.join(','),
    '--security-opt',
    'no-new-privileges',
    '--memory',
    `${spec.memoryMiB}m`,
    '--mount',
    `type=volume,source=${volume},target=${spec.dataDir}`,
    ...env,
    `localhost/berth/dbtest-${spec.imageKind}:${tag}`,
    ...spec.command,
  ]);
  assert.equal(code, 0, `podman run ${engine}: ${stderr}`);
  made.containers.push(name);
  const deadline = Date.now() + spec.health.timeoutMs;
  for (;;) {
    const probe = await cli(['exec', name, ...spec.health.command]);
    const answered = spec.health.expectOutput === null || probe.stdout.trim() === spec.health.expectOutput;
    if (probe.code === 0 && answered) return name;
    if (Date.now() > deadline) {
      const logs = await cli(['logs', name]);
      assert.fail(`${engine} never became healthy:\n${logs.stdout}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

const userOf = async (container: string): Promise<string> =>
  (await cli(['top', container, 'user'])).stdout.split('\n')[1]?.trim() ?? '';

const cases: {
  engine: DatabaseEngine;
  user: string;
  write: string;
  read: string;
  expect: RegExp;
  /** A login over TCP inside the container with the URL apps get; `wrong` with a bad password. */
  login: (url: string) => string[];
}[] = [
  {
    engine: 'postgres',
    user: 'postgres',
    write: 'CREATE TABLE notes (body text); INSERT INTO notes VALUES ($$kept$$);',
    read: 'SELECT body FROM notes;',
    expect: /kept/,
    login: (url) => ['psql', url.replace(/@[^:]+:/, '@127.0.0.1:'), '-tAc', 'SELECT count(*) FROM notes'],
  },
  {
    engine: 'mysql',
    user: 'mysql',
    write: "CREATE TABLE notes (body text); INSERT INTO notes VALUES ('kept');",
    read: 'SELECT body FROM notes;',
    expect: /kept/,
    login: (url) => {
      const password = new URL(url).password;
      return ['mariadb', '-h', '127.0.0.1', '-u', 'app', `--password=${password}`, 'app', '-e', 'SELECT 1'];
    },
  },
  {
    engine: 'redis',
    user: 'redis',
    write: 'SET notes kept\n',
    read: 'GET notes\n',
    expect: /kept/,
    login: (url) => ['redis-cli', '-u', url.replace(/@[^:]+:/, '@127.0.0.1:'), 'DBSIZE'],
  },
];

for (const c of cases)
  test(`${c.engine}: runs as ${c.user}, logs in with its URL, keeps its data on the volume`, async () => {
    const credentials = generateDatabaseCredentials((n) => randomBytes(n));
    const spec = databaseContainerSpec(c.engine, credentials, 256);
    const volume = `berth-dbtest-${c.engine}-${tag}`;
    made.volumes.push(volume);
    const first = await start(c.engine, spec, volume);
    assert.equal(await userOf(first), c.user);
    const wrote = await cli(['exec', '-i', first, ...spec.shell], c.write);
    assert.equal(wrote.code, 0, wrote.stderr);

    const url = databaseConnectionUrl(c.engine, credentials, { host: 'db' });
    const login = await cli(['exec', first, ...c.login(url)]);
    // redis-cli exits 0 even when refused: the answer (a number) is what counts, for all three.
    assert.ok(
      login.code === 0 && /^\d+$/m.test(login.stdout),
      `the generated credentials log in: ${login.stdout}`,
    );
    const wrong = url.replace(credentials.password, 'W'.repeat(32));
    const refused = await cli(['exec', first, ...c.login(wrong)]);
    assert.ok(refused.code !== 0 || !/^\d+$/m.test(refused.stdout), 'a wrong password is refused');

    await cli(['rm', '-f', '-t', '5', first]);
    const second = await start(c.engine, spec, volume);
    const read = await cli(['exec', '-i', second, ...spec.shell], c.read);
    assert.equal(read.code, 0, read.stderr);
    assert.match(read.stdout, c.expect, 'the data survives a new container on the volume');
  });
