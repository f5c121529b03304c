/**
 * The fleet harness itself (test/fleet/support): three "servers" on this machine, each a
 * network namespace with its own Podman, running an app through the same engine adapter the
 * agent uses; reachable from the root namespace, contained, and freezable, killable and
 * partitionable one at a time while the others keep answering. Then nothing is left behind.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { networkInterfaces } from 'node:os';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createDockerApiEngine, pingEngineSocket } from '@berth/engine';
import { HELLO_PORT, HELLO_V1, ensureExampleImages } from '../support/images.js';
import { useFleet } from './support/fixture.js';
import { findFleetLeftovers, startFleet } from './support/harness.js';
import { HttpTimeoutError, connectFrom, httpGet } from './support/http.js';
import type { FleetServer } from './support/server.js';

const CRASHED_RUN = fileURLToPath(new URL('./support/crashed-run.ts', import.meta.url));

const fleet = useFleet({ id: 'h', servers: 3, images: [HELLO_V1], prepare: ensureExampleImages });

const NETWORK = 'fleet-harness';
/** Server number → the host port its app is published on (at the server's own address). */
const appPort = new Map<number, number>();
const appPid = new Map<number, number>();

const appUrl = (s: FleetServer): string => `http://${s.ip}:${appPort.get(s.n) ?? 0}/`;
const greeting = (s: FleetServer): string => `hello v1 from ${s.name}\n`;

async function answers(s: FleetServer): Promise<string> {
  return (await httpGet(appUrl(s), { host: 'app.fleet.test', timeoutMs: 3_000 })).body;
}

/** Waits until the server's app answers (it listens a moment after its container starts). */
async function waitForAnswer(s: FleetServer): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const body = await answers(s).catch((err: unknown) => String(err));
    if (body === greeting(s)) return;
    if (Date.now() > deadline) assert.fail(`${s.name} did not answer: ${body}`);
    await sleep(50);
  }
}

const isTimeout = (err: unknown): boolean => err instanceof HttpTimeoutError;
/** A cut-off address may also fail fast, once the bridge's neighbour entry for it has expired. */
const isTimeoutOrUnreachable = (err: unknown): boolean =>
  isTimeout(err) || (err as NodeJS.ErrnoException).code === 'EHOSTUNREACH';
const noAnswer = (s: FleetServer, failure = isTimeout): Promise<void> =>
  assert.rejects(httpGet(appUrl(s), { timeoutMs: 1_000 }), failure);

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

/** Gone, or a zombie nobody has reaped yet (this machine's init reaps slowly): not running. */
async function running(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat !== '' && !/^\d+ \(.*\) Z /.test(stat);
}

async function othersAnswer(except: FleetServer): Promise<void> {
  for (const s of fleet().servers) if (s !== except) assert.equal(await answers(s), greeting(s));
}

/** An address of the root namespace that is not on the bridge: "the outside world" for a server. */
function outsideAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4' && !a.internal && !a.address.startsWith(`${fleet().subnet.prefix}.`))
        return a.address;
    }
  }
  throw new Error('this machine has no IPv4 address outside the loopback to test containment with');
}

test('each server runs an app through its own Podman, published on its address and reachable from the root namespace', async (t) => {
  t.diagnostic(`fleet set-up (3 namespaces, cgroups, nft, Podman services): ${fleet().setupMs} ms`);
  t.diagnostic(`${HELLO_V1} copied into 3 servers' stores: ${fleet().seedMs} ms`);
  const started = Date.now();
  await Promise.all(
    fleet().servers.map(async (s) => {
      const engine = createDockerApiEngine({ socketPath: s.engineSocket });
      await engine.ensureNetwork({ name: NETWORK, bridge: 'bfh0', labels: { 'berth.test': 'fleet' } });
      const image = await engine.resolveImage(HELLO_V1);
      assert.equal(image.pulled, false, 'the image was seeded, not pulled');
      const c = await engine.createAndStart({
        name: `hello-${s.name}`,
        imageId: image.imageId,
        env: { GREETING: `from ${s.name}` },
        command: null,
        labels: { 'berth.test': 'fleet' },
        port: HELLO_PORT,
        publishHost: s.ip,
        network: NETWORK,
        limits: { cpu: 0.5, memoryMiB: 64, pids: 100 },
        files: [],
      });
      assert.equal(c.published?.host, s.ip);
      appPort.set(s.n, c.published.port);
      appPid.set(s.n, c.pid ?? 0);
    }),
  );
  for (const s of fleet().servers) await waitForAnswer(s);
  t.diagnostic(`3 apps created, started and answering in ${Date.now() - started} ms`);

  // The container runs in a cgroup of its own under its server's: freezing or killing the
  // server reaches it, and Podman still manages it.
  for (const s of fleet().servers) {
    assert.ok(
      (await s.group.pids()).includes(appPid.get(s.n) ?? -1),
      `${s.name}'s container is in its group`,
    );
    const cgroups = await readFile(`/proc/${appPid.get(s.n) ?? 0}/cgroup`, 'utf8');
    assert.match(cgroups, new RegExp(`:freezer:/berth-fleet-h/s${s.n}/libpod-[0-9a-f]{64}\n`));
    assert.match(cgroups, new RegExp(`:memory:/berth-fleet-h/s${s.n}/libpod-[0-9a-f]{64}\n`));
  }
});

test('podman pause freezes a container on a server (its own cgroup), unpause resumes it', async () => {
  const s2 = fleet().server(2);
  const name = 'hello-s2';
  assert.equal((await s2.podmanCli(['pause', name])).code, 0);
  try {
    await noAnswer(s2);
  } finally {
    assert.equal((await s2.podmanCli(['unpause', name])).code, 0);
  }
  assert.equal(await answers(s2), greeting(s2));
});

test("a container stops and is removed through its server's Podman, its cgroup with it", async () => {
  const s3 = fleet().server(3);
  const engine = createDockerApiEngine({ socketPath: s3.engineSocket });
  const image = await engine.resolveImage(HELLO_V1);
  const c = await engine.createAndStart({
    name: 'hello-s3-extra',
    imageId: image.imageId,
    env: {},
    command: null,
    labels: { 'berth.test': 'fleet' },
    port: HELLO_PORT,
    publishHost: s3.ip,
    network: NETWORK,
    limits: { cpu: 0.5, memoryMiB: 64, pids: 100 },
    files: [],
  });
  const cgroup = `${s3.group.path}/libpod-${c.id}`;
  assert.equal(await exists(cgroup), true);
  await engine.stopAndRemove(c.id, 5);
  assert.equal(await exists(cgroup), false);
  assert.deepEqual(await engine.list({ 'berth.test': 'fleet' }).then((l) => l.map((x) => x.name)), [
    'hello-s3',
  ]);
});

test('contained: a server has no way out but the bridge, and even a route out is dropped', async (t) => {
  const s1 = fleet().server(1);
  const listener: Server = createServer((sock) => sock.end());
  await new Promise<void>((resolve) => listener.listen(0, '0.0.0.0', resolve));
  t.after(() => listener.close());
  const address = listener.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const outside = outsideAddress();

  assert.equal((await s1.exec('ip', ['route', 'show', 'default'])).stdout.trim(), '', 'no default route');
  assert.equal(await connectFrom(s1, outside, port), 'unreachable');
  // berthd will listen on the bridge address, and the servers reach each other.
  assert.equal(await connectFrom(s1, fleet().controlIp, port), 'connected');
  assert.equal(await connectFrom(s1, fleet().server(2).ip, appPort.get(2) ?? 0), 'connected');

  // Give it a route out through the root namespace: the fleet's nft table still drops it.
  const route = ['route', 'add', 'default', 'via', fleet().controlIp];
  assert.equal((await s1.exec('ip', route)).code, 0);
  t.after(() => s1.exec('ip', ['route', 'del', 'default']));
  assert.equal(await connectFrom(s1, outside, port, 1_000), 'timeout');
  assert.equal(await connectFrom(s1, fleet().controlIp, port), 'connected');
});

test('a frozen server hangs while the others answer; thawed, it answers again', async (t) => {
  const s2 = fleet().server(2);
  const started = Date.now();
  await s2.freeze();
  t.diagnostic(`freeze took ${Date.now() - started} ms`);
  await noAnswer(s2);
  await othersAnswer(s2);
  await s2.thaw();
  assert.equal(await answers(s2), greeting(s2));
});

test('a partitioned server cannot be reached nor reach the others; healed, it answers again', async () => {
  const s3 = fleet().server(3);
  await s3.partition();
  await noAnswer(s3, isTimeoutOrUnreachable);
  assert.notEqual(await connectFrom(s3, fleet().server(1).ip, appPort.get(1) ?? 0, 1_000), 'connected');
  await othersAnswer(s3);
  await s3.heal();
  await waitForAnswer(s3);
});

test('a killed server is dead, containers included, while the others answer', async (t) => {
  const s1 = fleet().server(1);
  const started = Date.now();
  await s1.kill();
  t.diagnostic(`kill took ${Date.now() - started} ms`);
  assert.deepEqual(await s1.group.pids(), []);
  assert.equal(await running(appPid.get(1) ?? 0), false, "the container's process is dead");
  assert.equal(await pingEngineSocket(s1.engineSocket, 500), false);
  await noAnswer(s1, isTimeoutOrUnreachable);
  await othersAnswer(s1);
});

test('stop() removes everything the fleet made and ends every process it started', async (t) => {
  const pids = (await Promise.all(fleet().servers.map((s) => s.group.pids()))).flat();
  assert.ok(pids.length >= 4, `the live servers' processes: ${pids.join(' ')}`);
  const started = Date.now();
  await fleet().stop();
  t.diagnostic(`teardown took ${Date.now() - started} ms`);
  assert.deepEqual(await findFleetLeftovers(fleet().id), {
    netns: [],
    bridge: false,
    nftTable: false,
    cgroups: [],
    dir: false,
    mounts: [],
  });
  for (const pid of pids) assert.equal(await running(pid), false, `pid ${pid} is gone`);
  await fleet().stop(); // idempotent: after() calls it again
});

test('the next start with an id cleans up what a crashed run left; a running one is refused', async (t) => {
  const crashed = { id: 'hc', servers: 1, subnet: '10.98.0.0/24' };
  const child = spawn(process.execPath, ['--import', 'tsx', CRASHED_RUN, crashed.id, crashed.subnet], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => child.kill('SIGKILL'));
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  while (!out.includes('\n')) {
    assert.equal(child.exitCode, null, `the crashing run exited early: ${out}`);
    await sleep(20);
  }
  const { pids } = JSON.parse(out) as { pids: number[] };

  await assert.rejects(startFleet(crashed), new RegExp(`fleet hc is in use by process ${child.pid}`));
  child.kill('SIGKILL');
  await once(child, 'exit');
  for (const pid of pids) assert.equal(await running(pid), true, 'a crash leaves the fleet running');

  const started = Date.now();
  const again = await startFleet(crashed);
  t.diagnostic(`start over a crashed run's fleet: ${Date.now() - started} ms`);
  try {
    for (const pid of pids) assert.equal(await running(pid), false, `the crashed run's pid ${pid} was ended`);
    assert.equal(await pingEngineSocket(again.server(1).engineSocket, 500), true);
  } finally {
    await again.stop();
  }
  assert.deepEqual(await findFleetLeftovers(crashed.id), {
    netns: [],
    bridge: false,
    nftTable: false,
    cgroups: [],
    dir: false,
    mounts: [],
  });
});
