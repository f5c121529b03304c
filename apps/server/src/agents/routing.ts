import { readFile } from 'node:fs/promises';
import { BerthError } from '@berth/protocol';
import type { Store } from '@berth/store';
import type { AgentSession } from './session.js';

/**
 * Which connected agent an RPC goes to: the servers that run an app's replicas (logs, exec), a
 * server labelled for builds (builds, base images), the server that will run an image (resolve).
 */

export const noAgent = (): BerthError =>
  new BerthError('AGENT_UNAVAILABLE', 'No agent is connected, so nothing can run right now', {
    hint: 'Check that berth up is running, or list servers with: berth servers list',
  });

export function firstOf(sessions: Iterable<AgentSession>): AgentSession {
  for (const s of sessions) return s;
  throw noAgent();
}

/** Servers whose latest report has replicas of the app. */
export const reportingReplicas = (sessions: Iterable<AgentSession>, appId: string): AgentSession[] =>
  [...sessions].filter((s) => s.report?.apps.some((a) => a.appId === appId && a.replicas.length > 0));

/**
 * The server running replica `slot` of the app (null: its lowest running slot), from the agents'
 * reports; null when none reports one.
 */
export function runningSlot(
  sessions: Iterable<AgentSession>,
  appId: string,
  slot: number | null,
): AgentSession | null {
  let best: { session: AgentSession; slot: number } | null = null;
  for (const s of sessions) {
    for (const r of s.report?.apps.find((a) => a.appId === appId)?.replicas ?? []) {
      if (r.state === 'stopping' || r.state === 'exited') continue;
      if (slot !== null && r.slot !== slot) continue;
      if (best === null || r.slot < best.slot) best = { session: s, slot: r.slot };
    }
  }
  return best?.session ?? null;
}

/** Finds which server is the one berthd's local agent (`berth up`) runs on, by its key file. */
export function createLocalServerLookup(store: Store, keyFile: string | null): () => Promise<string | null> {
  let found: string | null = null;
  return async () => {
    if (found !== null || keyFile === null) return found;
    const key = await readFile(keyFile, 'utf8').then(
      (k) => k.trim(),
      () => null,
    );
    found = key === null ? null : ((await store.servers.findByPublicKey(key))?.id ?? null);
    return found;
  };
}

/**
 * Builds run on a server labelled `role=build` when one is connected, else on the local agent's
 * server, else on any connected one.
 */
export async function buildSession(
  store: Store,
  sessions: ReadonlyMap<string, AgentSession>,
  localServer: () => Promise<string | null>,
): Promise<AgentSession> {
  for (const server of await store.servers.list()) {
    const session = sessions.get(server.id);
    if (session && server.state !== 'removed' && server.labels.role === 'build') return session;
  }
  return (await preferLocal(sessions, localServer)) ?? firstOf(sessions.values());
}

async function preferLocal(
  sessions: ReadonlyMap<string, AgentSession>,
  localServer: () => Promise<string | null>,
): Promise<AgentSession | null> {
  const id = await localServer();
  return id === null ? null : (sessions.get(id) ?? null);
}

/** The first connected one of `serverIds`, else the local agent's server, else any. */
export async function preferredSession(
  sessions: ReadonlyMap<string, AgentSession>,
  serverIds: readonly string[],
  localServer: () => Promise<string | null>,
): Promise<AgentSession> {
  for (const id of serverIds) {
    const s = sessions.get(id);
    if (s) return s;
  }
  return (await preferLocal(sessions, localServer)) ?? firstOf(sessions.values());
}
