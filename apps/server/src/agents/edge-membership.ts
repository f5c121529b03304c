import type { RemoteUpstream } from '@berth/protocol';
import type { AgentSession } from './session.js';

/** What membership reads of a session: whose it is and its latest report. */
type Reporting = Pick<AgentSession, 'serverId' | 'report'>;

/**
 * Every server's edge serves every app: one with no replicas of an app sends its requests to the
 * app's serving replicas on the other servers, at the private address each agent reports them
 * on (replicas published on loopback have none and serve their own server only). A replica is
 * listed while its own agent reports it `serving`, so it leaves every edge when it leaves its
 * own (unrouted before it stops), and with its server's link.
 */
export function servingElsewhere(
  sessions: Iterable<Reporting>,
  appId: string,
  serverId: string,
): RemoteUpstream[] {
  return fromIndex(indexServing(sessions), appId, serverId);
}

/** Every app's serving replicas with an endpoint, by app id: built once for a push to many. */
export type ServingIndex = ReadonlyMap<string, readonly { serverId: string; upstream: RemoteUpstream }[]>;

export function indexServing(sessions: Iterable<Reporting>): ServingIndex {
  const index = new Map<string, { serverId: string; upstream: RemoteUpstream }[]>();
  for (const s of sessions) {
    for (const app of s.report?.apps ?? []) {
      for (const r of app.replicas) {
        if (r.state !== 'serving' || !r.endpoint) continue;
        const list = index.get(app.appId) ?? [];
        list.push({
          serverId: s.serverId,
          upstream: { name: r.name, host: r.endpoint.host, port: r.endpoint.port },
        });
        index.set(app.appId, list);
      }
    }
  }
  return index;
}

/** The app's serving replicas on servers other than `serverId`, by name. */
export function fromIndex(index: ServingIndex, appId: string, serverId: string): RemoteUpstream[] {
  return (index.get(appId) ?? [])
    .filter((e) => e.serverId !== serverId)
    .map((e) => e.upstream)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Every serving replica with an endpoint, fleet-wide: when this changes, the edges must learn. */
export function servingSignature(sessions: Iterable<Reporting>): string {
  const all: string[] = [];
  for (const s of sessions) {
    for (const app of s.report?.apps ?? []) {
      for (const r of app.replicas) {
        if (r.state === 'serving' && r.endpoint)
          all.push(`${app.appId}/${r.name}@${r.endpoint.host}:${r.endpoint.port}`);
      }
    }
  }
  return all.sort().join('\n');
}
