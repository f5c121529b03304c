/**
 * Team networks, limits, hardening and secret files against a real Podman: what the engine
 * makes of the spec (inspect), and what a process in the container then sees.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { get } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isBerthError } from '@berth/protocol';
import { createDockerApiEngine, createEngineApiClient } from '@berth/engine';
import type { ContainerEngine, EngineHttpClient, ReplicaContainerSpec } from '@berth/engine';
import { ensureExampleImages, HELLO_PORT, HELLO_V1 } from '../../../../test/support/images.js';
import { removeContainersByLabel, startTestPodman, testBridgeName } from '../../../../test/support/podman.js';
import type { TestPodman } from '../../../../test/support/podman.js';

const RUN = `i${process.pid}x${Date.now().toString(36)}`;
const RUN_LABEL = 'berth.test.run';
const NETWORK = `berth-isotest-${RUN}`;
const SECRET = `s3cr3t-${RUN}`;

let dir: string;
let podman: TestPodman;
let engine: ContainerEngine;
let api: EngineHttpClient;
let helloId: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-isolation-'));
  const [started] = await Promise.all([startTestPodman(dir), ensureExampleImages()]);
  podman = started;
  engine = createDockerApiEngine({ socketPath: podman.socketPath, timeoutMs: 10_000 });
  api = createEngineApiClient({ socketPath: podman.socketPath });
  helloId = (await engine.resolveImage(HELLO_V1)).imageId;
});

after(async () => {
  if (podman) {
    await removeContainersByLabel(podman.socketPath, `${RUN_LABEL}=${RUN}`);
    await engine.removeNetwork(NETWORK);
    await podman.stop();
  }
  await rm(dir, { recursive: true, force: true });
});

const networkSpec = { name: NETWORK, bridge: testBridgeName(RUN), labels: { [RUN_LABEL]: RUN } };

function spec(overrides: Partial<ReplicaContainerSpec> = {}): ReplicaContainerSpec {
  return {
    name: `berth-isotest-${RUN}-${Math.random().toString(36).slice(2, 8)}`,
    imageId: helloId,
    env: {},
    command: null,
    labels: { [RUN_LABEL]: RUN },
    port: HELLO_PORT,
    publishHost: '127.0.0.1',
    network: NETWORK,
    limits: { cpu: 0.5, memoryMiB: 64, pids: 100 },
    files: [],
    ...overrides,
  };
}

async function inspect(id: string): Promise<Record<string, unknown>> {
  const res = await api.request({ method: 'GET', path: `/containers/${id}/json` });
  assert.equal(res.status, 200);
  return res.body as Record<string, unknown>;
}

const podmanExec = (name: string, argv: string[]): Promise<{ stdout: string }> =>
  promisify(execFile)('podman', ['--url', `unix://${podman.socketPath}`, 'exec', name, ...argv], {
    timeout: 20_000,
  });

function httpGet(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path, agent: false, timeout: 2_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

test('ensureNetwork makes a labelled bridge once; a same-named network of someone else is refused', async () => {
  const first = await engine.ensureNetwork(networkSpec);
  const again = await engine.ensureNetwork(networkSpec);
  assert.equal(again.id, first.id);
  assert.equal(first.labels[RUN_LABEL], RUN);
  assert.match(first.subnets[0]?.subnet ?? '', /^\d+\.\d+\.\d+\.0\/24$/);
  const listed = await engine.listNetworks({ [RUN_LABEL]: RUN });
  assert.deepEqual(
    listed.map((n) => n.name),
    [NETWORK],
  );
  assert.ok((await engine.listNetworks()).some((n) => n.name === NETWORK));
  await assert.rejects(
    engine.ensureNetwork({ ...networkSpec, labels: { [RUN_LABEL]: 'another-agent' } }),
    (err: unknown) =>
      isBerthError(err) && err.code === 'INTERNAL' && /not made by this agent/.test(err.message),
  );
  await assert.rejects(
    engine.ensureNetwork({ ...networkSpec, bridge: 'x"; rm -rf /' }),
    (err: unknown) => isBerthError(err) && err.code === 'VALIDATION_FAILED',
  );
});

test('a replica runs on its network only, with its limits, hardened, its secret file read-only and out of env', async () => {
  await engine.ensureNetwork(networkSpec);
  const secretFile = join(dir, 'secret');
  await writeFile(secretFile, SECRET, { mode: 0o400 });
  const s = spec({ files: [{ source: secretFile, target: '/www/secret.txt' }] });
  const started = await engine.createAndStart(s);
  const c = await inspect(started.id);
  const host = c.HostConfig as Record<string, unknown>;
  assert.equal(host.Memory, 64 * 1024 * 1024);
  assert.equal(host.MemorySwap, 64 * 1024 * 1024);
  assert.equal(host.NanoCpus, 500_000_000);
  assert.equal(host.PidsLimit, 100);
  assert.ok((host.SecurityOpt as string[]).includes('no-new-privileges'), JSON.stringify(host.SecurityOpt));
  // Podman reports CapDrop as what differs from its defaults; the effective set is the test.
  assert.ok(
    (host.CapDrop as string[]).some((cap) => /NET_RAW/.test(cap)),
    JSON.stringify(host.CapDrop),
  );
  const networks = Object.keys((c.NetworkSettings as { Networks: Record<string, unknown> }).Networks);
  assert.deepEqual(networks, [NETWORK]);
  assert.ok(!JSON.stringify(c).includes(SECRET), 'the secret value is nowhere in inspect');

  // The app (busybox httpd) reads the mounted file; a process in the container cannot change it.
  const body = await eventually(() => httpGet(started.published!.port, '/secret.txt'));
  assert.equal(body, SECRET);
  const status = (await podmanExec(s.name, ['cat', '/proc/1/status'])).stdout;
  // CHOWN DAC_OVERRIDE FOWNER KILL SETGID SETUID NET_BIND_SERVICE = bits 0 1 3 5 6 7 10
  assert.match(status, /^CapEff:\s+00000000000004eb$/m);
  assert.match(status, /^CapBnd:\s+00000000000004eb$/m);
  assert.match(status, /^NoNewPrivs:\s+1$/m);
  await assert.rejects(podmanExec(s.name, ['sh', '-c', 'echo x > /www/secret.txt']), /Read-only|exit code/i);
  await engine.stopAndRemove(started.id, 1);
});

test('removeNetwork keeps a network in use, removes it when empty, and is quiet when it is gone', async () => {
  await engine.ensureNetwork(networkSpec);
  const started = await engine.createAndStart(spec());
  assert.equal(await engine.removeNetwork(NETWORK), 'in-use');
  await engine.stopAndRemove(started.id, 1);
  assert.equal(await engine.removeNetwork(NETWORK), 'removed');
  assert.equal(await engine.removeNetwork(NETWORK), 'absent');
});

test("imageUser reads the image's configured user ('' is root)", async () => {
  assert.equal(await engine.imageUser(helloId), '');
  await assert.rejects(
    engine.imageUser('../../containers/json'),
    (err: unknown) => isBerthError(err) && err.code === 'VALIDATION_FAILED',
  );
});

async function eventually<T>(fn: () => Promise<T>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
