/**
 * The handshake of joined servers over a real WebSocket: a removed server's key is refused (and
 * its live link closed); a new key that claims a server's name waits for an admin (the server
 * paused only when its own key is offline) and connects once approved; an agent of another
 * protocol version is told which version to install.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  generateEd25519KeyPair,
  generateSealingKeyPair,
  loadEd25519Signer,
  type Ed25519Signer,
} from '@berth/crypto';
import {
  AGENT_PROTOCOL_VERSION,
  agentHelloPayload,
  agentJoinPayload,
  type DesiredState,
} from '@berth/protocol';
import { WebSocket } from 'ws';
import { parseServerConfig } from '../config.js';
import { startBerthd, type Berthd } from '../server.js';

let dir: string;
let berthd: Berthd;
let adminToken: string;
const sealingKey = generateSealingKeyPair().publicKey;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-handshake-fleet-'));
  const dataDir = join(dir, 'data');
  berthd = await startBerthd(parseServerConfig({ BERTHD_DATA_DIR: dataDir, BERTHD_PORT: '0' }), {
    worker: false,
  });
  adminToken = (await readFile(join(dataDir, 'admin.token'), 'utf8')).trim();
});
after(async () => {
  await berthd?.close();
  await rm(dir, { recursive: true, force: true });
});

async function api(method: string, path: string, body?: unknown, token: string | null = adminToken) {
  const res = await fetch(`${berthd.url}/api/v1${path}`, {
    method,
    headers: {
      ...(token && { authorization: `Bearer ${token}` }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : null, text };
}

const newKey = (): Ed25519Signer => loadEd25519Signer(generateEd25519KeyPair().privateKeyPem);

/** `berth servers add NAME` then the agent's join with `key`. */
async function joined(name: string, key: Ed25519Signer): Promise<void> {
  const added = await api('POST', '/servers', { name });
  assert.equal(added.status, 201, added.text);
  const token = String(added.json?.token);
  const body = {
    token,
    publicKey: key.publicKey,
    sealingKey,
    signature: key.sign(agentJoinPayload(token)),
    agentVersion: '0.1.0',
  };
  const res = await api('POST', '/agent/join', body, null);
  assert.equal(res.status, 201, res.text);
}

interface Link {
  welcomed: boolean;
  /** The desired states berthd pushed, newest last. */
  desired: DesiredState[];
  /** The close code and reason when refused. */
  refused: { code: number; reason: string } | null;
  /** When it was welcomed: resolves when berthd closes it. */
  closed: Promise<{ code: number; reason: string }>;
  ws: WebSocket;
}

/** Answers berthd's challenge as `name` signing with `key`; resolves once welcomed or refused. */
function connect(
  key: Ed25519Signer,
  name: string,
  protocol = AGENT_PROTOCOL_VERSION,
  mesh?: { publicKey: string; endpoint: string | null },
): Promise<Link> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${berthd.url.replace(/^http/, 'ws')}/api/v1/agent/connect`);
    let welcomed = false;
    const desired: DesiredState[] = [];
    let onClosed: (c: { code: number; reason: string }) => void = () => undefined;
    const closed = new Promise<{ code: number; reason: string }>((r) => (onClosed = r));
    ws.on('error', reject);
    ws.on('close', (code, reason) => {
      const c = { code, reason: reason.toString('utf8') };
      if (welcomed) onClosed(c);
      else resolve({ welcomed: false, desired, refused: c, closed, ws });
    });
    ws.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as {
        type: string;
        nonce?: string;
        state?: DesiredState;
      };
      if (message.type === 'desired' && message.state) desired.push(message.state);
      if (message.type === 'challenge') {
        const signature = key.sign(agentHelloPayload(String(message.nonce)));
        const hello = {
          type: 'hello',
          name,
          publicKey: key.publicKey,
          signature,
          sealingKey,
          agentVersion: '0.1.0',
          protocol,
          ...(mesh && { mesh }),
        };
        ws.send(JSON.stringify(hello));
      } else if (message.type === 'welcome') {
        welcomed = true;
        resolve({ welcomed: true, desired, refused: null, closed, ws });
      }
    });
  });
}

const server = async (name: string) => (await api('GET', `/servers/${name}`)).json as Record<string, unknown>;

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

test('a joined server connects; removed, its live link is closed and its key refused from then on', async () => {
  const key = newKey();
  await joined('gone', key);
  const link = await connect(key, 'gone');
  assert.equal(link.welcomed, true);
  assert.equal((await server('gone')).status, 'online');
  assert.equal((await api('DELETE', '/servers/gone')).status, 204);
  const closed = await link.closed;
  assert.equal(closed.code, 4403);
  assert.match(closed.reason, /removed/);
  const again = await connect(key, 'gone');
  assert.equal(again.welcomed, false);
  assert.equal(again.refused?.code, 4403);
  assert.match(String(again.refused?.reason), /server gone was removed/);
});

test('a changed key is pending; it pauses the server only when its own key is offline; approved, it connects', async () => {
  const old = newKey();
  const next = newKey();
  await joined('edge', old);
  const healthy = await connect(old, 'edge');
  assert.equal(healthy.welcomed, true);

  const claim = await connect(next, 'edge');
  assert.equal(claim.refused?.code, 4403);
  assert.match(String(claim.refused?.reason), /berth servers approve edge/);
  let s = await server('edge');
  assert.deepEqual(
    [s.state, s.pendingKey, s.status],
    ['active', true, 'online'],
    'a stranger cannot pause a healthy server',
  );

  healthy.ws.close();
  await until('the old link to end', async () => (await server('edge')).status === 'offline');
  assert.equal((await connect(next, 'edge')).refused?.code, 4403);
  s = await server('edge');
  assert.deepEqual([s.state, s.pendingKey], ['paused', true]);
  const claims = await berthd.store.audit.list({ afterSeq: 0, limit: 1000 });
  assert.deepEqual(
    claims.filter((r) => r.action === 'server.claim').map((r) => [r.target, r.outcome, r.detail.paused]),
    [
      ['server:edge', 'denied', false],
      ['server:edge', 'denied', true],
    ],
    'one row for the claim, one for the pause',
  );

  const approved = await api('POST', '/servers/edge/approve');
  assert.equal(approved.status, 200, approved.text);
  assert.deepEqual([approved.json?.state, approved.json?.pendingKey], ['active', false]);
  const link = await connect(next, 'edge');
  assert.equal(link.welcomed, true, 'the approved key connects');
  assert.equal((await connect(old, 'edge')).refused?.code, 4403, 'the old key is no longer the server’s');
  link.ws.close();
});

test('undrain of a paused server keeps its old key and forgets the claim', async () => {
  const old = newKey();
  await joined('kept', old);
  assert.equal((await connect(newKey(), 'kept')).refused?.code, 4403);
  assert.deepEqual([(await server('kept')).state, (await server('kept')).pendingKey], ['paused', true]);
  const res = await api('POST', '/servers/kept/undrain');
  assert.deepEqual([res.json?.state, res.json?.pendingKey], ['active', false]);
  const link = await connect(old, 'kept');
  assert.equal(link.welcomed, true);
  link.ws.close();
});

test('an agent of another protocol version is told which version to install', async () => {
  const key = newKey();
  await joined('future', key);
  const link = await connect(key, 'future', AGENT_PROTOCOL_VERSION + 1);
  assert.equal(link.refused?.code, 4426);
  assert.match(
    String(link.refused?.reason),
    new RegExp(`not berthd's ${AGENT_PROTOCOL_VERSION}: install berth \\d+\\.\\d+\\.\\d+`),
  );
  assert.equal((await connect(key, 'future')).welcomed, true, 'the same key on this version connects');
});

/** A WireGuard public key as `wg pubkey` prints it (the raw 32 bytes, base64). */
const wireGuardKey = (): string =>
  generateKeyPairSync('x25519')
    .publicKey.export({ format: 'der', type: 'spki' })
    .subarray(-32)
    .toString('base64');

test('servers that send a mesh key get one address each and the others as peers; a bad endpoint is refused', async () => {
  const names = ['m1', 'm2', 'm3'];
  const keys = names.map(() => newKey());
  const meshKeys = names.map(() => wireGuardKey());
  for (const [i, name] of names.entries()) await joined(name, keys[i]!);
  const bad = await connect(keys[0]!, 'm1', AGENT_PROTOCOL_VERSION, {
    publicKey: meshKeys[0]!,
    endpoint: 'example.com:51820',
  });
  assert.deepEqual([bad.welcomed, bad.refused?.code], [false, 4400]);
  // At once: racing connections still get different addresses.
  const links = await Promise.all(
    names.map((name, i) =>
      connect(keys[i]!, name, AGENT_PROTOCOL_VERSION, {
        publicKey: meshKeys[i]!,
        endpoint: i === 2 ? null : `10.99.9.${i + 1}:51820`,
      }),
    ),
  );
  const rows = await berthd.store.servers.list();
  const ipOf = (name: string): string | null => rows.find((r) => r.name === name)?.meshIp ?? null;
  const ips = names.map(ipOf);
  assert.equal(new Set(ips).size, 3, JSON.stringify(ips));
  for (const ip of ips) assert.match(ip ?? '', /^10\.210\.0\.\d+$/);
  await until('every link to be told all three members', () =>
    Promise.resolve(links.every((l) => (l.desired.at(-1)?.mesh?.members.length ?? 0) === 3)),
  );
  const expected = names
    .map((name, i) => ({
      id: rows.find((r) => r.name === name)?.id,
      publicKey: meshKeys[i],
      meshIp: ips[i],
      endpoint: i === 2 ? null : `10.99.9.${i + 1}:51820`,
    }))
    .sort((a, b) => String(a.id).localeCompare(String(b.id)));
  for (const [i, link] of links.entries()) {
    const mesh = link.desired.at(-1)?.mesh;
    assert.equal(mesh?.subnet, '10.210.0.0/16');
    assert.deepEqual(
      [...(mesh?.members ?? [])].sort((a, b) => a.id.localeCompare(b.id)),
      expected,
      'the same members for all: each agent finds itself by its key',
    );
    // Members get the others' mesh addresses (for the firewall) with the members, not in `peers`.
    for (const name of names.filter((_, j) => j !== i))
      assert.ok(!link.desired.at(-1)?.peers?.includes(ipOf(name) ?? ''), name);
  }
  // A server outside the mesh gets no interface, yet its firewall knows the members' addresses.
  const plainKey = newKey();
  await joined('plain', plainKey);
  const plain = await connect(plainKey, 'plain');
  await until('the plain link to get a desired state', () => Promise.resolve(plain.desired.length > 0));
  assert.equal(plain.desired.at(-1)?.mesh, undefined);
  for (const ip of ips) assert.ok(plain.desired.at(-1)?.peers?.includes(ip ?? ''));
  for (const link of [...links, plain]) link.ws.close();
});
