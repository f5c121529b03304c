/**
 * A database's health command, for real: run in a busybox container (localhost/hello:1) through
 * a Podman service's exec API, as an argv. A command that fails until a file exists, an output
 * that is not the one expected, a command that hangs past the probe timeout, and the
 * HealthMonitor turning healthy by it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { createDockerApiEngine, type ContainerEngine } from '@berth/engine';
import type { HealthCheck } from '@berth/protocol';
import { ensureExampleImages, HELLO_V1 } from '../../../test/support/images.js';
import { startTestPodman, type TestPodman } from '../../../test/support/podman.js';
import { HealthMonitor } from './health.js';
import { probeExec, replicaProbeTarget } from './health-exec.js';

let dir: string;
let podman: TestPodman;
let engine: ContainerEngine;
let container: string;

const cli = (args: string[]) =>
  promisify(execFile)('podman', ['--url', `unix://${podman.socketPath}`, ...args], { timeout: 60_000 });

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-health-exec-'));
  [podman] = await Promise.all([startTestPodman(join(dir, 'podman')), ensureExampleImages()]);
  engine = createDockerApiEngine({ socketPath: podman.socketPath, timeoutMs: 10_000 });
  const name = `berth-hexec-${randomBytes(4).toString('hex')}`;
  await cli(['run', '--detach', '--name', name, '--entrypoint', '/bin/sleep', HELLO_V1, '600']);
  container = (await cli(['inspect', '--format', '{{.Id}}', name])).stdout.trim();
});

after(async () => {
  if (container) await cli(['rm', '-f', '-t', '0', container]).catch(() => undefined);
  await podman?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('healthy once the command exits 0; its exit code and output say why not before', async () => {
  const health = { command: ['cat', '/tmp/ready'], expectOutput: null };
  assert.match(
    (await probeExec(engine, container, health, 5000)) ?? '',
    /^cat exited 1: cat: can't open '\/tmp\/ready': No such file or directory$/,
  );
  await cli(['exec', container, 'touch', '/tmp/ready']);
  assert.equal(await probeExec(engine, container, health, 5000), null);
});

test('with expectOutput, exit 0 is not enough: the trimmed stdout must be it', async () => {
  assert.equal(
    await probeExec(engine, container, { command: ['echo', ' PONG '], expectOutput: 'PONG' }, 5000),
    null,
  );
  assert.equal(
    await probeExec(
      engine,
      container,
      { command: ['echo', 'NOAUTH Authentication required.'], expectOutput: 'PONG' },
      5000,
    ),
    'echo answered "NOAUTH Authentication required.", not "PONG"',
  );
  // An argv, never a shell: `$(…)` and `;` reach the command as text.
  assert.equal(
    await probeExec(engine, container, { command: ['echo', '$(id); id'], expectOutput: '$(id); id' }, 5000),
    null,
  );
});

test('a command that hangs is cut at the probe timeout, and what it left running is killed', async () => {
  const started = Date.now();
  const result = await probeExec(engine, container, { command: ['sleep', '30'], expectOutput: null }, 500);
  assert.equal(result, 'sleep did not finish within 500 ms');
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  const ps = await cli(['exec', container, 'ps', '-o', 'args']);
  assert.doesNotMatch(ps.stdout, /sleep 30/);
});

test('the HealthMonitor probes a database replica by its command, as the reconciler tracks it', async () => {
  await cli(['exec', container, 'rm', '-f', '/tmp/up']);
  const check: HealthCheck = {
    type: 'tcp',
    path: '/',
    intervalMs: 100,
    timeoutMs: 10_000,
    probeTimeoutMs: 2000,
  };
  const database = {
    name: 'main',
    engine: 'postgres' as const,
    port: 5432,
    health: { command: ['cat', '/tmp/up'], expectOutput: 'yes' },
  };
  const target = replicaProbeTarget(engine, { id: container, published: null }, { database });
  assert.ok(
    target !== null && 'exec' in target,
    'a database is probed by exec even without a published port',
  );
  let changes = 0;
  const monitor = new HealthMonitor(() => (changes += 1));
  try {
    monitor.track(container, target, check, 'rolling');
    const until = async (status: string): Promise<void> => {
      const deadline = Date.now() + 10_000;
      while (monitor.status(container) !== status) {
        assert.ok(Date.now() < deadline, `never ${status}: ${monitor.lastError(container)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    await until('unhealthy');
    assert.match(monitor.lastError(container) ?? '', /^cat exited 1/);
    await cli(['exec', container, 'sh', '-c', 'echo no > /tmp/up']);
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(monitor.lastError(container), 'cat answered "no", not "yes"');
    await cli(['exec', container, 'sh', '-c', 'echo yes > /tmp/up']);
    await until('healthy');
    assert.ok(monitor.windows(container).length > 0, 'exec probes are recorded for logs --no-health');
    assert.ok(changes >= 2);
  } finally {
    monitor.stop();
  }
});
