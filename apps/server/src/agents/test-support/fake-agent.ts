import { randomBytes } from 'node:crypto';
import {
  generateEd25519KeyPair,
  generateSealingKeyPair,
  loadEd25519Signer,
  type Ed25519Signer,
} from '@berth/crypto';
import {
  AGENT_PROTOCOL_VERSION,
  agentHelloPayload,
  agentMessagePayload,
  type AgentToServer,
  type AppReport,
  type DesiredApp,
  type DesiredState,
  type MeshSpec,
  type SignedAgentMessage,
} from '@berth/protocol';
import type { Store } from '@berth/store';
import { WebSocket } from 'ws';

/**
 * Signs messages as an agent's link does for one session: over berthd's challenge, seq from 1.
 * `over` lets a test make what a correct agent never would (another time, another seq).
 */
export function messageSigner(signer: Ed25519Signer, challenge: string) {
  let seq = 0;
  return (message: AgentToServer, over: { ts?: number; seq?: number } = {}): SignedAgentMessage => {
    seq = over.seq ?? seq + 1;
    const m = {
      challenge,
      body: JSON.stringify(message),
      ts: over.ts ?? Date.now(),
      seq,
      nonce: randomBytes(16).toString('base64url'),
    };
    const { body, ts, nonce } = m;
    return { type: 'signed', body, ts, seq, nonce, sig: signer.sign(agentMessagePayload(m)) };
  };
}

/**
 * An agent over the real link, minus the containers: it does the signed handshake, keeps the
 * desired state berthd pushes, answers image.resolve, and reports what a test tells it to, each
 * message signed as the real agent signs. Its server is registered directly in the store, as
 * joining would.
 */
export interface FakeAgent {
  serverId: string;
  name: string;
  /** The latest desired state pushed to it. */
  desired: DesiredState | null;
  /** Every desired state pushed to it on this link, oldest first. */
  received: DesiredState[];
  /** The mesh it holds: the last one pushed in full (a `meshKept` push keeps it, as the agent does). */
  mesh: MeshSpec | null;
  /** Resolves with the first desired state (already held or pushed later) `ok` accepts. */
  waitForDesired(ok: (state: DesiredState) => boolean, timeoutMs?: number): Promise<DesiredState>;
  appOf(appId: string): DesiredApp | undefined;
  report(apps: AppReport[]): void;
  /** Signs the message for this session (the next seq) and sends it; returns what was sent. */
  send(message: AgentToServer): SignedAgentMessage;
  /** Sends text as it is (a replay, a forgery). */
  sendRaw(text: string): void;
  /** The challenge berthd sent this connection. */
  challenge: string;
  /** Resolves with the close code and reason when the link ends. */
  closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

export interface FakeAgentOptions {
  labels?: Record<string, string>;
  capacity?: { cpuMillis: number; memoryMib: number } | null;
  /** Its WireGuard key and endpoint, as a mesh member's hello says them. */
  mesh?: { publicKey: string; endpoint: string | null };
}

export async function registerServer(
  store: Store,
  name: string,
  options: FakeAgentOptions = {},
): Promise<{ serverId: string; signer: Ed25519Signer }> {
  const signer = loadEd25519Signer(generateEd25519KeyPair().privateKeyPem);
  const serverId = `srv_${name
    .replace(/[^a-z0-9]/g, '')
    .padEnd(20, '0')
    .slice(0, 20)}`;
  await store.servers.create({
    id: serverId,
    name,
    publicKey: signer.publicKey,
    sealingKey: null,
    createdAt: Date.now(),
    lastSeenAt: null,
    labels: options.labels ?? {},
    capacity: options.capacity ?? null,
  });
  return { serverId, signer };
}

export async function connectFakeAgent(
  baseUrl: string,
  server: { serverId: string; signer: Ed25519Signer },
  name: string,
  options: FakeAgentOptions = {},
): Promise<FakeAgent> {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/api/v1/agent/connect`);
  const listeners = new Set<() => void>();
  let sign: ReturnType<typeof messageSigner> | null = null;
  const send = (message: AgentToServer): SignedAgentMessage => {
    if (!sign) throw new Error(`${name}: no challenge yet`);
    const signed = sign(message);
    ws.send(JSON.stringify(signed));
    return signed;
  };
  const agent: FakeAgent = {
    serverId: server.serverId,
    name,
    challenge: '',
    closed: new Promise((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })),
    ),
    send,
    sendRaw: (text) => ws.send(text),
    desired: null,
    received: [],
    mesh: null,
    waitForDesired(ok, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (agent.desired && ok(agent.desired)) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(agent.desired);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`${name}: no desired state as expected; last: ${JSON.stringify(agent.desired)}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    appOf: (appId) => agent.desired?.apps.find((a) => a.appId === appId),
    report(apps) {
      const desiredVersion = agent.desired?.version ?? 0;
      const meshSignature = agent.mesh?.signature ?? null;
      send({ type: 'report', report: { desiredVersion, apps, meshSignature } });
    },
    close: () =>
      new Promise((resolve) => {
        if (ws.readyState === ws.CLOSED) return resolve();
        ws.once('close', () => resolve());
        ws.close();
      }),
  };
  await new Promise<void>((resolve, reject) => {
    ws.on('error', reject);
    const refused = (code: number): void => reject(new Error(`${name}: link closed (${code})`));
    ws.on('close', refused);
    ws.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
      switch (msg.type) {
        case 'challenge': {
          const nonce = String(msg.nonce);
          agent.challenge = nonce;
          sign = messageSigner(server.signer, nonce);
          ws.send(
            JSON.stringify({
              type: 'hello',
              name,
              publicKey: server.signer.publicKey,
              signature: server.signer.sign(agentHelloPayload(nonce)),
              sealingKey: generateSealingKeyPair().publicKey,
              agentVersion: '0.0.0-test',
              protocol: AGENT_PROTOCOL_VERSION,
              capacity: options.capacity ?? null,
              ...(options.mesh && { mesh: options.mesh }),
            }),
          );
          return;
        }
        case 'welcome':
          ws.off('close', refused);
          resolve();
          return;
        case 'desired':
          agent.desired = msg.state as DesiredState;
          agent.received.push(agent.desired);
          if (agent.desired.mesh) agent.mesh = agent.desired.mesh;
          for (const l of [...listeners]) l();
          return;
        case 'rpc': {
          const request = msg.request as { method: string; params: { ref?: string } };
          if (request.method === 'image.resolve') {
            const result = { imageId: `sha256:${'cd'.repeat(32)}`, pulled: false, builtFor: null };
            send({ type: 'rpc.result', id: Number(msg.id), result });
          } else {
            const error = { code: 'INTERNAL', message: `${request.method} is not faked` };
            send({ type: 'rpc.error', id: Number(msg.id), error });
          }
          return;
        }
      }
    });
  });
  return agent;
}

/** What an agent reports of an app once its slots of `revision` serve. */
export function convergedReport(app: DesiredApp): AppReport {
  return {
    appId: app.appId,
    revision: app.revision,
    phase: 'converged',
    failure: null,
    replicas: (app.slots ?? []).map((slot) => ({
      name: `berth-${app.appName}-${slot}`,
      containerId: `c${slot}`,
      releaseId: app.release.id,
      slot,
      state: 'serving' as const,
    })),
  };
}
