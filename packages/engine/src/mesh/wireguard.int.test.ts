/**
 * The mesh for real: three "servers" (network namespaces on a private bridge) get keys,
 * interfaces and peers through the adapter; TCP works over the mesh addresses; a peer removed
 * from the set can no longer get through; removing everything leaves no interface, no
 * wireguard-go process, no control socket and no namespace.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { meshPeersFor, type MeshMember } from '@berth/core';
import { isBerthError } from '@berth/protocol';
import {
  createWireGuard,
  ensureMeshKeyPair,
  findWireGuardTools,
  type InterfaceKind,
  type WireGuard,
  type WireGuardTools,
} from '@berth/engine';
import { createUnderlay, netnsExists, type Underlay } from './test-support/netns.js';
import { sendBytes, startSink, type Sink } from './test-support/tcp-probe.js';

const RUN = `bwg${process.pid}`;
const PORT = 51820;
const SINK_PORT = 7000;
const THROUGHPUT_BYTES = 32 * 1024 * 1024;

interface Host {
  id: string;
  netns: string;
  iface: string;
  meshIp: string;
  endpoint: string;
  wg: WireGuard;
  publicKey: string;
  privateKeyFile: string;
  kind?: InterfaceKind;
}

let dir = '';
let tools: WireGuardTools | null = null;
let underlay: Underlay | null = null;
let hosts: Host[] = [];
const sinks: Sink[] = [];
const pids = new Set<number>();
const unexpectedExits = new EventEmitter();

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-mesh-'));
  underlay = await createUnderlay(RUN, 3);
  const found = await findWireGuardTools(process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin');
  tools = found;
  hosts = await Promise.all(
    underlay.hosts.map(async ({ netns, underlayIp }, i) => {
      const keys = await ensureMeshKeyPair(join(dir, `s${i + 1}`, 'keys'));
      return {
        id: `s${i + 1}`,
        netns,
        iface: `${RUN}${'abc'[i]}`,
        meshIp: `10.210.0.${i + 1}`,
        endpoint: `${underlayIp}:${PORT}`,
        wg: createWireGuard({
          tools: found,
          netns,
          runDir: dir,
          onUnexpectedExit: (name) => unexpectedExits.emit('exit', name),
        }),
        ...keys,
      };
    }),
  );
});

after(async () => {
  // Always, also after a failure: our processes by PID, then the namespaces (and their links).
  for (const sink of sinks) await sink.stop();
  for (const h of hosts) await h.wg.removeInterface(h.iface).catch(() => undefined);
  for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  await underlay?.remove();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const members = (which: readonly Host[]): MeshMember[] =>
  which.map((h) => ({ id: h.id, publicKey: h.publicKey, meshIp: h.meshIp, endpoint: h.endpoint }));

/** What `wg pubkey` derives from the key file (given on stdin, never as an argument). */
async function wgPubkey(keyFile: string): Promise<string> {
  const key = await open(keyFile, 'r');
  try {
    const child = spawn('wg', ['pubkey'], { stdio: [key.fd, 'pipe', 'inherit'] });
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
    await once(child, 'close');
    return out.trim();
  } finally {
    await key.close();
  }
}

test('keys: the private key is 0600 and wg derives the same public key from it; a second call keeps the pair', async () => {
  const [a] = hosts as [Host];
  assert.equal(statSync(a.privateKeyFile).mode & 0o777, 0o600);
  assert.equal(await wgPubkey(a.privateKeyFile), a.publicKey);
  assert.deepEqual(await ensureMeshKeyPair(join(dir, 's1', 'keys')), {
    publicKey: a.publicKey,
    privateKeyFile: a.privateKeyFile,
  });
});

test('a mesh of three comes up and carries TCP between every pair of mesh addresses', async () => {
  const started = performance.now();
  for (const h of hosts) {
    h.kind = await h.wg.ensureInterface({
      name: h.iface,
      privateKeyFile: h.privateKeyFile,
      listenPort: PORT,
      address: `${h.meshIp}/16`,
    });
    if (h.kind.kind === 'userspace' && h.kind.pid !== null) pids.add(h.kind.pid);
  }
  for (const h of hosts) await h.wg.setPeers(h.iface, meshPeersFor(h.id, members(hosts)));
  const configured = performance.now();
  for (const h of hosts) sinks.push(await startSink(h.netns, h.meshIp, SINK_PORT));
  const listening = performance.now();
  const [a, b, c] = hosts as [Host, Host, Host];
  const first = await sendBytes(b.netns, a.meshIp, SINK_PORT, 1, 5_000);
  const firstByte = performance.now();
  assert.deepEqual({ ...first, ms: 0 }, { ok: true, received: 1, ms: 0 });
  for (const [from, to] of [
    [a, b],
    [a, c],
    [c, a],
    [b, c],
    [c, b],
  ] as const) {
    const r = await sendBytes(from.netns, to.meshIp, SINK_PORT, 1000, 5_000);
    assert.equal(r.ok && r.received, 1000, `${from.id} → ${to.id}: ${JSON.stringify(r)}`);
  }
  const bulk = await sendBytes(b.netns, a.meshIp, SINK_PORT, THROUGHPUT_BYTES, 5_000);
  assert.ok(bulk.ok && bulk.received === THROUGHPUT_BYTES, JSON.stringify(bulk));
  console.log(
    `# mesh (${a.kind?.kind}): 3 interfaces + peers in ${(configured - started).toFixed(0)} ms, ` +
      `first TCP exchange (handshake included) ${(firstByte - listening).toFixed(0)} ms; ` +
      `${THROUGHPUT_BYTES / 1024 / 1024} MiB b→a in ${bulk.ms} ms = ${(THROUGHPUT_BYTES / 1024 / 1024 / (bulk.ms / 1000)).toFixed(1)} MiB/s`,
  );
  const status = await a.wg.status(a.iface);
  assert.equal(status?.publicKey, a.publicKey);
  assert.equal(status?.listenPort, PORT);
  assert.deepEqual(status?.peers.map((p) => p.publicKey).sort(), [b.publicKey, c.publicKey].sort());
  assert.ok(
    status?.peers.every((p) => p.latestHandshakeAt !== null),
    'every peer has shaken hands',
  );
});

test('ensureInterface and setPeers again change nothing', async () => {
  const [a] = hosts as [Host];
  const before = await a.wg.status(a.iface);
  const kind = await a.wg.ensureInterface({
    name: a.iface,
    privateKeyFile: a.privateKeyFile,
    listenPort: PORT,
    address: `${a.meshIp}/16`,
  });
  assert.deepEqual(kind, a.kind, 'the same interface (and the same wireguard-go) is kept');
  await a.wg.setPeers(a.iface, meshPeersFor(a.id, members(hosts)));
  const again = await a.wg.status(a.iface);
  const peers = (status: typeof before) =>
    status?.peers.map((p) => [p.publicKey, p.endpoint, p.allowedIps.join()].join(' ')).sort();
  assert.equal(before?.peers.length, 2);
  assert.deepEqual(peers(again), peers(before));
});

test('a wireguard-go that dies is reported, and ensureInterface plus setPeers bring the server back', async () => {
  const [a, b] = hosts as [Host, Host];
  if (a.kind?.kind !== 'userspace' || a.kind.pid === null) return; // the kernel module has no process to lose
  const reported = once(unexpectedExits, 'exit');
  process.kill(a.kind.pid, 'SIGKILL');
  assert.deepEqual(await reported, [a.iface]);
  assert.equal(await a.wg.status(a.iface), null, 'its TUN device went with it');
  a.kind = await a.wg.ensureInterface({
    name: a.iface,
    privateKeyFile: a.privateKeyFile,
    listenPort: PORT,
    address: `${a.meshIp}/16`,
  });
  if (a.kind.kind === 'userspace' && a.kind.pid !== null) pids.add(a.kind.pid);
  await a.wg.setPeers(a.iface, meshPeersFor(a.id, members(hosts)));
  // The sink listened on the old interface's address: start a new one.
  sinks.push(await startSink(a.netns, a.meshIp, SINK_PORT + 1));
  const r = await sendBytes(b.netns, a.meshIp, SINK_PORT + 1, 100, 5_000);
  assert.equal(r.ok && r.received, 100, JSON.stringify(r));
});

test('a server removed from the peer set can no longer get through, even with its old config', async () => {
  const [a, b, c] = hosts as [Host, Host, Host];
  const remaining = members([a, b]);
  await a.wg.setPeers(a.iface, meshPeersFor(a.id, remaining));
  await b.wg.setPeers(b.iface, meshPeersFor(b.id, remaining));
  assert.deepEqual(
    (await a.wg.status(a.iface))?.peers.map((p) => p.publicKey),
    [b.publicKey],
  );
  // c still lists a and b, and had a live session with both: neither answers it any more.
  const refused = await sendBytes(c.netns, a.meshIp, SINK_PORT + 1, 10, 1_500);
  assert.deepEqual(refused, { ok: false, error: 'timeout' });
  // a has no peer for c's address any more: nothing leaves a for it.
  const outward = await sendBytes(a.netns, c.meshIp, SINK_PORT, 10, 1_500);
  assert.equal(outward.ok, false);
  const stillThere = await sendBytes(b.netns, a.meshIp, SINK_PORT + 1, 10, 5_000);
  assert.equal(stillThere.ok && stillThere.received, 10, 'a and b still talk');
});

test('without the kernel module and without wireguard-go, ensureInterface says what to install', async () => {
  const [a] = hosts as [Host];
  if (a.kind?.kind !== 'userspace' || !tools) return; // with the kernel module this cannot fail
  const wg = createWireGuard({ tools: { ...tools, wireguardGo: null }, netns: a.netns, runDir: dir });
  const spec = {
    name: `${RUN}x`,
    privateKeyFile: a.privateKeyFile,
    listenPort: PORT + 1,
    address: '10.210.9.9/16',
  };
  await assert.rejects(
    wg.ensureInterface(spec),
    (err: unknown) =>
      isBerthError(err) &&
      /no wireguard-go/.test(err.message) &&
      /apt-get install wireguard-go/.test(err.hint ?? ''),
  );
  assert.equal(await wg.status(spec.name), null, 'nothing was left half made');
  await assert.rejects(
    wg.ensureInterface({ ...spec, name: 'eth0; reboot' }),
    (err: unknown) => isBerthError(err) && err.code === 'VALIDATION_FAILED',
  );
});

test('removing the interfaces and the namespaces leaves nothing behind', async () => {
  for (const sink of sinks.splice(0)) await sink.stop();
  for (const h of hosts) {
    await h.wg.removeInterface(h.iface);
    assert.equal(await h.wg.status(h.iface), null);
    await h.wg.removeInterface(h.iface); // twice is fine
    assert.equal(existsSync(`/var/run/wireguard/${h.iface}.sock`), false, 'no control socket');
  }
  for (const pid of pids) assert.equal(alive(pid), false, `wireguard-go ${pid} is gone`);
  await underlay?.remove();
  for (const h of hosts) assert.equal(netnsExists(h.netns), false);
  assert.equal(netnsExists(`${RUN}-hub`), false);
});
