/**
 * The agent's link against a real WebSocket server playing berthd's side of the protocol: the
 * signed handshake, every later message signed for its session (seq from 1 again after a
 * reconnect), messages dispatched to the agent, malformed ones ignored, reconnects with a fresh
 * desired state each time, and a stop that stays stopped.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { checkSignedAgentMessage, type AgentLinkState } from '@berth/core';
import { ed25519Verifier, verifyEd25519 } from '@berth/crypto';
import {
  AGENT_PROTOCOL_VERSION,
  agentHelloPayload,
  type DesiredState,
  type ExecInput,
  type RpcRequest,
  type SignedAgentMessage,
} from '@berth/protocol';
import { pino } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { loadOrCreateIdentity, type AgentIdentity } from '@berth/crypto';
import { Link, type HelloFacts } from './link.js';

const silent = pino({ level: 'silent' });

const SERVER_ID = 'srv_aaaaaaaaaaaaaaaaaaaa';
const desired = (version: number): DesiredState => ({ version, apps: [] });

let dir: string;
let identity: AgentIdentity;
let wss: WebSocketServer;
let url: string;
/** Each connection the agent made, with what it sent. */
const connections: { socket: WebSocket; received: Record<string, unknown>[] }[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-link-'));
  identity = await loadOrCreateIdentity(dir);
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => wss.once('listening', resolve));
  url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/api/v1/agent/connect`;
  wss.on('connection', (socket) => {
    const conn = { socket, received: [] as Record<string, unknown>[] };
    connections.push(conn);
    socket.on('message', (data: Buffer) =>
      conn.received.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>),
    );
  });
});
after(async () => {
  for (const c of wss.clients) c.terminate();
  await new Promise((resolve) => wss.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function recorder() {
  const seen = {
    connected: 0,
    desired: [] as { version: number; fresh: boolean }[],
    rpc: [] as { id: number; request: RpcRequest }[],
    cancelled: [] as number[],
    inputs: [] as { id: number; input: ExecInput }[],
  };
  const handlers = {
    onConnected: () => void seen.connected++,
    onDesired: (state: DesiredState, fresh: boolean) =>
      void seen.desired.push({ version: state.version, fresh }),
    onRpc: (id: number, request: RpcRequest) => void seen.rpc.push({ id, request }),
    onRpcCancel: (id: number) => void seen.cancelled.push(id),
    onRpcInput: (id: number, input: ExecInput) => void seen.inputs.push({ id, input }),
  };
  return { seen, handlers };
}

const byAgent = (payload: string, sig: string): boolean => ed25519Verifier(identity.publicKey)(payload, sig);

/** The signed envelopes connection `index` received, in order. */
const signedBy = (index: number): SignedAgentMessage[] =>
  connections[index]!.received.filter((m) => m.type === 'signed') as unknown as SignedAgentMessage[];

/** The messages in envelopes, each checked as berthd checks them (asserts that all pass). */
function openAll(envelopes: SignedAgentMessage[], challenge: string): unknown[] {
  let state: AgentLinkState = { challenge, lastSeq: 0 };
  return envelopes.map((e) => {
    const verdict = checkSignedAgentMessage(e, state, Date.now(), byAgent);
    assert.ok(verdict.ok, verdict.ok ? '' : verdict.detail);
    state = verdict.state;
    return JSON.parse(verdict.body) as unknown;
  });
}

/** berthd's side of the handshake on the newest connection: challenge, check the hello, welcome. */
async function handshake(index: number, nonce: string): Promise<Record<string, unknown>> {
  await until(`connection ${index}`, () => connections.length > index);
  const conn = connections[index]!;
  conn.socket.send(JSON.stringify({ type: 'challenge', nonce, protocol: AGENT_PROTOCOL_VERSION }));
  await until('the hello', () => conn.received.some((m) => m.type === 'hello'));
  const hello = conn.received.find((m) => m.type === 'hello')!;
  conn.socket.send(JSON.stringify({ type: 'welcome', serverId: SERVER_ID, serverName: 'test' }));
  return hello;
}

test('the link signs the nonce with its key, then dispatches what berthd sends; it reconnects fresh and stops for good', async () => {
  const { seen, handlers } = recorder();
  const link = new Link(
    { url, fingerprint: null },
    identity,
    'edge-1',
    '9.9.9',
    handlers,
    pino({ level: 'silent' }),
  );
  link.start();
  try {
    const hello = await handshake(0, 'nonce-one');
    assert.deepEqual(
      { ...hello, signature: typeof hello.signature },
      {
        type: 'hello',
        name: 'edge-1',
        publicKey: identity.publicKey,
        signature: 'string',
        sealingKey: identity.sealingKey,
        agentVersion: '9.9.9',
        protocol: AGENT_PROTOCOL_VERSION,
        capacity: null,
        privateIp: null,
        mesh: null,
      },
    );
    const signature = String(hello.signature);
    assert.ok(
      verifyEd25519(identity.publicKey, agentHelloPayload('nonce-one'), signature),
      'signs the nonce',
    );
    assert.equal(verifyEd25519(identity.publicKey, agentHelloPayload('nonce-two'), signature), false);
    await until('welcome', () => link.connected);
    assert.equal(seen.connected, 1);

    const server = connections[0]!.socket;
    server.send('not json');
    server.send(JSON.stringify({ type: 'desired', state: { version: 'x' } }));
    server.send(JSON.stringify({ type: 'desired', state: desired(3) }));
    server.send(JSON.stringify({ type: 'desired', state: desired(4) }));
    server.send(
      JSON.stringify({
        type: 'rpc',
        id: 7,
        request: { method: 'image.resolve', params: { ref: 'localhost/hello:1' } },
      }),
    );
    server.send(JSON.stringify({ type: 'rpc.input', id: 7, input: { kind: 'resize', cols: 80, rows: 24 } }));
    server.send(JSON.stringify({ type: 'rpc.cancel', id: 7 }));
    await until('the cancel', () => seen.cancelled.length === 1);
    assert.deepEqual(seen.inputs, [{ id: 7, input: { kind: 'resize', cols: 80, rows: 24 } }]);
    assert.deepEqual(
      seen.desired,
      [
        { version: 3, fresh: true },
        { version: 4, fresh: false },
      ],
      'malformed messages are skipped; only the first push of a connection is fresh',
    );
    assert.deepEqual(seen.rpc, [
      { id: 7, request: { method: 'image.resolve', params: { ref: 'localhost/hello:1' } } },
    ]);
    assert.deepEqual(seen.cancelled, [7]);

    let written = false;
    assert.equal(
      link.send({ type: 'rpc.end', id: 7 }, () => (written = true)),
      true,
    );
    link.send({ type: 'rpc.result', id: 8, result: { ok: true } });
    await until('the messages on the wire', () => written && signedBy(0).length === 2);
    assert.deepEqual(
      openAll(signedBy(0), 'nonce-one'),
      [
        { type: 'rpc.end', id: 7 },
        { type: 'rpc.result', id: 8, result: { ok: true } },
      ],
      'signed for this session, seq 1 then 2',
    );
    const [first] = signedBy(0);
    assert.equal(
      checkSignedAgentMessage(first, { challenge: 'nonce-three', lastSeq: 0 }, Date.now(), byAgent).ok,
      false,
      'useless in another session',
    );

    // berthd goes away: the link comes back by itself, and the next push is fresh again.
    server.close(1012, 'restarting');
    await until('the link to notice', () => !link.connected);
    assert.equal(link.send({ type: 'rpc.end', id: 8 }), false, 'nothing is sent while down');
    await handshake(1, 'nonce-three');
    await until('welcome again', () => link.connected);
    connections[1]!.socket.send(JSON.stringify({ type: 'desired', state: desired(2) }));
    await until('the push', () => seen.desired.length === 3);
    assert.deepEqual(seen.desired[2], { version: 2, fresh: true });
    assert.equal(seen.connected, 2);
    link.send({ type: 'rpc.end', id: 9 });
    await until('the message after the reconnect', () => signedBy(1).length === 1);
    assert.deepEqual(openAll(signedBy(1), 'nonce-three'), [{ type: 'rpc.end', id: 9 }], 'seq 1 again');
  } finally {
    link.stop();
  }
  await until('the close', () => connections[1]!.socket.readyState === connections[1]!.socket.CLOSED);
  const count = connections.length;
  // Longer than the first reconnect delays: a stopped link must not dial again.
  await new Promise((resolve) => setTimeout(resolve, 700));
  assert.equal(connections.length, count, 'a stopped link does not reconnect');
  assert.equal(link.connected, false);
});

test('without a welcome the link is not connected and sends nothing', async () => {
  const { seen, handlers } = recorder();
  const link = new Link(
    { url, fingerprint: null },
    identity,
    'edge-2',
    '9.9.9',
    handlers,
    pino({ level: 'silent' }),
  );
  const before = connections.length;
  link.start();
  try {
    await until('a connection', () => connections.length > before);
    const conn = connections[before]!;
    conn.socket.send(JSON.stringify({ type: 'desired', state: desired(1) }));
    await until('the push to arrive', () => seen.desired.length === 1);
    assert.equal(link.connected, false);
    assert.equal(link.send({ type: 'rpc.end', id: 1 }), false);
    assert.equal(seen.connected, 0);
  } finally {
    link.stop();
  }
});

test('the hello tells the capacity, private address and mesh key, read again at every connect (null when unknown)', async () => {
  const { handlers } = recorder();
  const told = [
    () =>
      Promise.resolve({
        capacity: { cpuMillis: 2000, memoryMib: 3931 },
        privateIp: '10.99.0.2',
        mesh: { publicKey: 'Xk0/VGUzSCK8CG7xRtbZahVD7Hh0e6CQH/1FUc8Sg3w=', endpoint: '10.99.0.2:51820' },
      }),
    () => Promise.reject(new Error('engine down')),
  ];
  const facts = (): Promise<HelloFacts> =>
    (told.shift() ?? (() => Promise.reject(new Error('asked too often'))))();
  const link = new Link({ url, fingerprint: null }, identity, 'edge-3', '9.9.9', handlers, silent, facts);
  const first = connections.length;
  link.start();
  try {
    const hello = await handshake(first, 'nonce-facts');
    assert.deepEqual(
      [hello.capacity, hello.privateIp, hello.mesh],
      [
        { cpuMillis: 2000, memoryMib: 3931 },
        '10.99.0.2',
        { publicKey: 'Xk0/VGUzSCK8CG7xRtbZahVD7Hh0e6CQH/1FUc8Sg3w=', endpoint: '10.99.0.2:51820' },
      ],
    );
    connections[first]!.socket.close();
    const again = await handshake(first + 1, 'nonce-facts-2');
    assert.deepEqual([again.capacity, again.privateIp, again.mesh], [null, null, null]);
  } finally {
    link.stop();
  }
});

test('links berthd refuses after the welcome (a clock off by minutes) are retried ever more slowly', async () => {
  const { handlers } = recorder();
  const link = new Link({ url, fingerprint: null }, identity, 'edge-4', '9.9.9', handlers, silent);
  const first = connections.length;
  const closedAt: number[] = [];
  const openedAt: number[] = [];
  wss.on('connection', () => openedAt.push(Date.now()));
  link.start();
  try {
    for (let i = 0; i < 3; i++) {
      await handshake(first + i, `nonce-refused-${i}`);
      await until('welcome', () => link.connected);
      closedAt.push(Date.now());
      connections[first + i]!.socket.close(4412, 'message time is -400 s from berthd clock');
    }
    await until('the fourth connection', () => openedAt.length === 4);
  } finally {
    link.stop();
  }
  // 0.4 s, 0.8 s, 1.6 s (the backoff of 2, 3, 4 failures): never the 0.2 s of a fresh link.
  const gaps = closedAt.map((at, i) => openedAt[i + 1]! - at);
  for (const [i, min] of [400, 800, 1600].entries())
    assert.ok(gaps[i]! >= min - 50, `gap ${i}: ${gaps[i]} ms`);
});
