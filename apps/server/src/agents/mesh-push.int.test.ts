/**
 * The fleet's mesh on the real link: every member is sent the same members list (each agent
 * finds itself by its key), in full only while its agent does not report holding it; a change
 * of members goes to everyone in full; an agent that reports an older list is sent it again.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { DesiredState } from '@berth/protocol';
import { parseServerConfig } from '../config.js';
import { startBerthd, type Berthd } from '../server.js';
import { connectFakeAgent, registerServer, type FakeAgent } from './test-support/fake-agent.js';

let dir: string;
let berthd: Berthd;
let token: string;
const agents: FakeAgent[] = [];

/** A WireGuard public key as `wg pubkey` prints it. */
const wireGuardKey = (): string =>
  generateKeyPairSync('x25519')
    .publicKey.export({ format: 'der', type: 'spki' })
    .subarray(-32)
    .toString('base64');

async function joinMesh(name: string, n: number): Promise<FakeAgent> {
  const mesh = { publicKey: wireGuardKey(), endpoint: `10.99.5.${n}:51820` };
  const server = await registerServer(berthd.store, name);
  const agent = await connectFakeAgent(berthd.url, server, name, { mesh });
  agents.push(agent);
  return agent;
}

/** Something that makes berthd push to every server without changing the mesh: a new app. */
async function pushToAll(): Promise<void> {
  const res = await berthd.app.inject({
    method: 'POST',
    url: '/api/v1/apps',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    payload: { name: `push-${Date.now()}`, image: 'docker.io/library/nginx:1.27' },
  });
  assert.equal(res.statusCode, 201, res.body);
}

/** The first desired state with `meshKept` that a push sends `agent`, pushing every second for 10 s. */
async function keptOnAPush(agent: FakeAgent): Promise<DesiredState> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const before = agent.received.length;
    await pushToAll();
    try {
      return await agent.waitForDesired(
        (s) => agent.received.length > before && s.meshKept !== undefined,
        1_000,
      );
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
  }
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-mesh-push-'));
  berthd = await startBerthd(
    parseServerConfig({
      BERTHD_DATA_DIR: join(dir, 'data'),
      BERTHD_PORT: '0',
      BERTHD_MESH_SUBNET: '10.211.0.0/24',
    }),
    { worker: false },
  );
  token = (await readFile(join(dir, 'data', 'admin.token'), 'utf8')).trim();
});
after(async () => {
  for (const a of agents) await a.close();
  await berthd?.close();
  await rm(dir, { recursive: true, force: true });
});

test('members get the mesh in full until they hold it, then only its signature; a new member goes to all', async () => {
  const [a, b] = [await joinMesh('mesh-a', 1), await joinMesh('mesh-b', 2)];
  const first = await a.waitForDesired((s) => s.mesh?.members.length === 2);
  await b.waitForDesired((s) => s.mesh?.signature === first.mesh?.signature);
  assert.equal(first.mesh?.subnet, '10.211.0.0/24');
  assert.deepEqual(first.mesh?.members.map((m) => m.meshIp).sort(), ['10.211.0.1', '10.211.0.2']);

  // Both report holding it: a push after berthd took their reports says "kept" instead of
  // sending the list again. Berthd takes a report after checks of its own, and nothing tells a
  // client when: so push until one says "kept" (a berthd that never says it still fails).
  for (const agent of [a, b]) agent.report([]);
  const kept = await keptOnAPush(a);
  assert.equal(kept.meshKept, first.mesh?.signature);
  assert.equal(kept.mesh, undefined);

  // A third member changes the list: everyone is sent it in full.
  const c = await joinMesh('mesh-c', 3);
  for (const agent of [a, b, c]) {
    const full = await agent.waitForDesired((s) => s.mesh?.members.length === 3);
    assert.notEqual(full.mesh?.signature, first.mesh?.signature);
  }

  // An agent that says it holds an older list (it missed a push) is sent the current one again.
  b.mesh = first.mesh ?? null;
  const resent = b.received.length;
  b.report([]);
  await b.waitForDesired((s) => b.received.length > resent && s.mesh?.members.length === 3);
});

test('a server outside the mesh is sent no members', async () => {
  const server = await registerServer(berthd.store, 'plain');
  const plain = await connectFakeAgent(berthd.url, server, 'plain');
  agents.push(plain);
  const state = await plain.waitForDesired(() => true);
  assert.equal(state.mesh, undefined);
  assert.equal(state.meshKept, undefined);
});
