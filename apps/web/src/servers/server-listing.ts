import type { App, Server } from '../api/paths.js';
import type { Tone } from '../apps/app-status.js';

/**
 * A server's health in one word, worst first: its agent away ("unreachable") outweighs what an
 * admin set (draining, paused); a key waiting for `berth servers approve` is named too, since
 * berthd will not trust the server until then.
 */
export function serverHealth(s: Pick<Server, 'status' | 'state' | 'pendingKey'>): {
  word: string;
  tone: Tone;
} {
  if (s.status === 'offline') return { word: 'unreachable', tone: 'bad' };
  if (s.pendingKey) return { word: 'new key to approve', tone: 'bad' };
  switch (s.state) {
    case 'draining':
      return { word: 'draining', tone: 'busy' };
    case 'paused':
    case 'removed':
      return { word: s.state, tone: 'idle' };
    case 'active':
      return { word: 'online', tone: 'ok' };
  }
}

const trimmed = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/** "4 CPU, 7.6 GiB" from what the agent reported at join; null when it reported nothing. */
export function formatCapacity(capacity: Server['capacity']): string | null {
  if (capacity === null) return null;
  const cpu = `${trimmed(Math.round(capacity.cpuMillis / 100) / 10)} CPU`;
  const memory =
    capacity.memoryMib >= 1024
      ? `${trimmed(Math.round(capacity.memoryMib / 102.4) / 10)} GiB`
      : `${capacity.memoryMib} MiB`;
  return `${cpu}, ${memory}`;
}

/**
 * Replicas per server name, of the apps the user can see (GET /servers counts none: other
 * teams' replicas are not the user's to count).
 */
export function replicasByServer(apps: readonly Pick<App, 'replicaStatus'>[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const app of apps) for (const r of app.replicaStatus) out.set(r.server, (out.get(r.server) ?? 0) + 1);
  return out;
}

/** One server is the whole fleet of most installs: the table is for a fleet of more. */
export const showsFleet = <T>(servers: readonly T[] | undefined): servers is readonly T[] =>
  servers !== undefined && servers.length > 1;
