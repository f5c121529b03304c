/**
 * Every message an agent sends after its hello is signed for its session, over the real link
 * to berthd's gateway: a signed report and event are taken; a replayed, altered, foreign-key,
 * other-session, unsigned or stale message closes the link at once (with its 44xx code), is not
 * processed (no event row), and leaves a `denied` audit row (the clock's alone only a log line).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { generateEd25519KeyPair, loadEd25519Signer, type Ed25519Signer } from '@berth/crypto';
import type {
  AgentEvent,
  AgentToServer,
  App,
  AppReport,
  Deployment,
  SignedAgentMessage,
} from '@berth/protocol';
import { parseServerConfig } from '../config.js';
import { startBerthd, type Berthd } from '../server.js';
import {
  connectFakeAgent,
  messageSigner,
  registerServer,
  type FakeAgent,
} from './test-support/fake-agent.js';

const API = '/api/v1';
const CAPACITY = { cpuMillis: 2000, memoryMib: 4096 };

let dir: string;
let berthd: Berthd;
let token: string;
let server: { serverId: string; signer: Ed25519Signer };
let app: App;
let deployment: Deployment;
const stranger = loadEd25519Signer(generateEd25519KeyPair().privateKeyPem);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-signed-link-'));
  berthd = await startBerthd(parseServerConfig({ BERTHD_DATA_DIR: join(dir, 'data'), BERTHD_PORT: '0' }), {
    worker: false,
  });
  token = (await readFile(join(dir, 'data', 'admin.token'), 'utf8')).trim();
  server = await registerServer(berthd.store, 'edge-1', { capacity: CAPACITY });
  app = (await api('POST', '/apps', { name: 'web', image: 'nginx:1.27', replicas: 1 })) as App;
  // Without a worker the deployment stays queued: a row events can be written to.
  deployment = (await api('POST', '/apps/web/deployments', {})) as Deployment;
});
after(async () => {
  await berthd?.close();
  await rm(dir, { recursive: true, force: true });
});

async function api(method: 'GET' | 'POST', url: string, body?: unknown): Promise<unknown> {
  const res = await berthd.app.inject({
    method,
    url: `${API}${url}`,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { payload: JSON.stringify(body) }),
  });
  assert.ok(res.statusCode < 300, res.body);
  return JSON.parse(res.body) as unknown;
}

async function until<T>(what: string, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const event = (message: string): AgentToServer => {
  const e: AgentEvent = {
    appId: app.id,
    revision: 'r1',
    deploymentId: deployment.id,
    at: new Date().toISOString(),
    level: 'info',
    message,
  };
  return { type: 'event', event: e };
};
const eventMessages = async (): Promise<string[]> =>
  (await berthd.store.events.list(deployment.id, 0)).map((e) => e.message);
const refusals = async (): Promise<unknown[]> =>
  (await berthd.store.audit.list({ afterSeq: 0, limit: 1000 }))
    .filter((r) => r.action === 'agent.message')
    .map((r) => [r.actorName, r.target, r.outcome, r.detail.refusal]);

const connect = (): Promise<FakeAgent> => connectFakeAgent(berthd.url, server, 'edge-1');

/** The good message of the link before: signed by the right key, for another session. */
let previousGood: SignedAgentMessage | null = null;

/** Sends `text` on a fresh link, after one good event; resolves with how berthd closed the link. */
async function refusedWith(
  make: (agent: FakeAgent, good: SignedAgentMessage) => string,
): Promise<{ code: number; reason: string }> {
  const agent = await connect();
  const good = agent.send(event('before'));
  await until('the good event', async () => ((await eventMessages()).at(-1) === 'before' ? true : null));
  agent.sendRaw(make(agent, good));
  previousGood = good;
  // Anything after the refused message is not processed either.
  agent.send(event('after'));
  return agent.closed;
}

test('a signed report and a signed event are taken', async () => {
  const agent = await connect();
  const replica = {
    name: 'berth-web-1',
    containerId: 'c1',
    releaseId: `rel_${'a'.repeat(20)}`,
    slot: 1,
    state: 'serving',
  } as const;
  const report: AppReport = {
    appId: app.id,
    revision: 'r1',
    phase: 'converged',
    failure: null,
    replicas: [replica],
  };
  agent.send({ type: 'report', report: { desiredVersion: 0, apps: [report] } });
  agent.send(event('signed and taken'));
  await until('the event', async () => ((await eventMessages()).includes('signed and taken') ? true : null));
  const shown = (await api('GET', '/apps/web')) as App;
  assert.deepEqual(
    shown.replicaStatus.map((r) => [r.name, r.server, r.state]),
    [['berth-web-1', 'edge-1', 'serving']],
    'the report was taken',
  );
  assert.deepEqual(await refusals(), []);
  await agent.close();
});

test('a replayed, altered or foreign message closes the link and is not processed', async () => {
  const before = (await eventMessages()).length;
  const cases: [string, (agent: FakeAgent, good: SignedAgentMessage) => string, number, string][] = [
    ['replayed', (_, good) => JSON.stringify(good), 4409, 'out-of-sequence'],
    [
      'altered',
      (_, good) => JSON.stringify({ ...good, seq: 2, body: good.body.replace('before', 'forged') }),
      4401,
      'bad-signature',
    ],
    [
      'another key',
      (agent) => JSON.stringify(messageSigner(stranger, agent.challenge)(event('forged'), { seq: 2 })),
      4401,
      'bad-signature',
    ],
    ['another session', () => JSON.stringify(previousGood), 4401, 'bad-signature'],
    ['unsigned', () => JSON.stringify(event('forged')), 4400, 'not-signed'],
  ];
  for (const [what, make, code] of cases) {
    const closed = await refusedWith(make);
    assert.equal(closed.code, code, what);
  }
  assert.deepEqual(
    (await eventMessages()).slice(before),
    cases.map(() => 'before'),
    'only the good event of each link was written',
  );
  const expected = cases.map(([, , , refusal]) => ['edge-1', 'server:edge-1', 'denied', refusal]);
  await until('the audit rows', async () => ((await refusals()).length === cases.length ? true : null));
  assert.deepEqual(await refusals(), expected);
  const again = await connect();
  again.send(event('a new session works'));
  await until('the next event', async () =>
    (await eventMessages()).at(-1) === 'a new session works' ? true : null,
  );
  await again.close();
});

test('a message signed more than 5 minutes off berthd clock is refused, with the reason', async () => {
  const before = await refusals();
  const closed = await refusedWith((agent) =>
    JSON.stringify(
      messageSigner(server.signer, agent.challenge)(event('stale'), { seq: 2, ts: Date.now() - 6 * 60_000 }),
    ),
  );
  assert.equal(closed.code, 4412);
  assert.match(closed.reason, /^message time is -36\d s from berthd's clock \(max 300 s\): sync the clocks/);
  assert.equal((await eventMessages()).includes('stale'), false);
  assert.deepEqual(
    await refusals(),
    before,
    'logged, not audited: a wrong clock would refuse every reconnect',
  );
});
