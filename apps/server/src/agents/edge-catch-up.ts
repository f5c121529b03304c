import type { Store } from '@berth/store';
import type { AgentSession } from './session.js';

const POLL_MS = 25;

/**
 * Resolves true once every connected agent reports holding the desired version the store has for
 * its server now (an agent's edge publishes before it reports), false after `timeoutMs`: what an
 * ACME order waits for before the CA checks HTTP-01 at any edge.
 */
export async function edgesCaughtUp(
  store: Store,
  sessions: ReadonlyMap<string, AgentSession>,
  clock: () => number,
  timeoutMs: number,
): Promise<boolean> {
  const wanted = new Map((await store.servers.list()).map((s) => [s.id, s.desiredVersion]));
  const deadline = clock() + timeoutMs;
  for (;;) {
    const behind = [...sessions.values()].filter(
      (s) => (s.report?.desiredVersion ?? -1) < (wanted.get(s.serverId) ?? 0),
    );
    if (behind.length === 0) return true;
    if (clock() >= deadline) return false;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
