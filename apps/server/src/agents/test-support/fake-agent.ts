import {
  generateEd25519KeyPair,
  generateSealingKeyPair,
  loadEd25519Signer,
  type Ed25519Signer,
} from '@berth/crypto';
import {
  AGENT_PROTOCOL_VERSION,
  agentHelloPayload,
  type AppReport,
  type DesiredApp,
  type DesiredState,
} from '@berth/protocol';
import type { Store } from '@berth/store';
import { WebSocket } from 'ws';

/**
 * An agent over the real link, minus the containers: it does the signed handshake, keeps the
 * desired state berthd pushes, answers image.resolve, and reports what a test tells it to. Its
 * server is registered directly in the store, as joining would.
 */
export interface FakeAgent {
  serverId: string;
  name: string;
  /** The latest desired state pushed to it. */
  desired: DesiredState | null;
  /** Resolves with the first desired state (already held or pushed later) `ok` accepts. */
  waitForDesired(ok: (state: DesiredState) => boolean, timeoutMs?: number): Promise<DesiredState>;
  appOf(appId: string): DesiredApp | undefined;
  report(apps: AppReport[]): void;
  close(): Promise<void>;
}

export interface FakeAgentOptions {
  labels?: Record<string, string>;
  capacity?: { cpuMillis: number; memoryMib: number } | null;
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
  const agent: FakeAgent = {
    serverId: server.serverId,
    name,
    desired: null,
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
      ws.send(JSON.stringify({ type: 'report', report: { desiredVersion, apps } }));
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
    ws.on('close', (code) => reject(new Error(`${name}: link closed (${code})`)));
    ws.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
      switch (msg.type) {
        case 'challenge': {
          const nonce = String(msg.nonce);
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
            }),
          );
          return;
        }
        case 'welcome':
          ws.removeAllListeners('close');
          resolve();
          return;
        case 'desired':
          agent.desired = msg.state as DesiredState;
          for (const l of [...listeners]) l();
          return;
        case 'rpc': {
          const request = msg.request as { method: string; params: { ref?: string } };
          if (request.method === 'image.resolve') {
            const result = { imageId: `sha256:${'cd'.repeat(32)}`, pulled: false, builtFor: null };
            ws.send(JSON.stringify({ type: 'rpc.result', id: msg.id, result }));
          } else {
            const error = { code: 'INTERNAL', message: `${request.method} is not faked` };
            ws.send(JSON.stringify({ type: 'rpc.error', id: msg.id, error }));
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
