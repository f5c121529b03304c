import { BerthError, type LogLine, type LogsParams } from '@berth/protocol';
import type { Store } from '@berth/store';
import { firstOf, reportingReplicas } from './routing.js';
import type { AgentSession } from './session.js';

/**
 * An app's logs from every server that runs its replicas. A server that should run some but is
 * not connected (down, cut off, or not back yet after berthd's restart) cannot be read: the
 * stream says so in a `berth` line instead of leaving its replicas out without a word, and a
 * server whose link drops mid-stream gets a line saying its replicas' lines stop there.
 */
export interface LogStreamDeps {
  store: Store;
  sessions: ReadonlyMap<string, AgentSession>;
  clock: () => number;
  /** Since when a server is without its link (gateway.offlineSince). */
  offlineSince: (serverId: string) => number;
}

export async function streamAppLogs(
  deps: LogStreamDeps,
  params: LogsParams,
  onLines: (lines: LogLine[]) => void,
  signal: AbortSignal,
): Promise<void> {
  const { store, sessions } = deps;
  const placed = new Set(
    (await store.placements.listCurrent()).filter((p) => p.appId === params.appId).map((p) => p.serverId),
  );
  const ranThere = await recentlyPlaced(store, params.appId);
  const unreadable = (await store.servers.list()).filter(
    (s) => s.state !== 'removed' && (placed.has(s.id) || ranThere.has(s.id)) && !sessions.has(s.id),
  );
  const notices = unreadable.map((s) =>
    berthLine(
      deps.clock(),
      `server ${s.name} is not connected (no word from its agent since ${new Date(deps.offlineSince(s.id)).toISOString()}): the logs of the replicas it runs or ran cannot be read until it is back`,
    ),
  );
  if (notices.length > 0) onLines(notices);
  const targets = [...sessions.values()].filter(
    (s) => placed.has(s.serverId) || reportingReplicas([s], params.appId).length > 0,
  );
  const streams = targets.length > 0 ? targets : [firstOf(sessions.values())];
  const several = streams.length > 1 || notices.length > 0;
  await Promise.all(
    streams.map((s) =>
      s.stream({ method: 'logs', params }, onLines, signal).catch((err: unknown) => {
        // Alone, a dropped link is the stream's failure; beside others it is one server's news.
        if (!several || !(err instanceof BerthError && err.code === 'AGENT_UNAVAILABLE')) throw err;
        onLines([
          berthLine(deps.clock(), `server ${s.serverName} disconnected: the lines of its replicas stop here`),
        ]);
      }),
    ),
  );
}

/** Deployments looked back over: a dead server's replicas were moved by the newest one. */
const RECENT_DEPLOYMENTS = 3;

/** Servers that ran the app's replicas in its last few deployments (moved away since, maybe). */
async function recentlyPlaced(store: Store, appId: string): Promise<Set<string>> {
  const recent = await store.deployments.list(appId, RECENT_DEPLOYMENTS);
  const rows = await Promise.all(recent.map((d) => store.placements.listForDeployment(d.id)));
  return new Set(rows.flat().map((p) => p.serverId));
}

/** A line Berth itself writes into a log stream (not an app's output). */
function berthLine(atMs: number, line: string): LogLine {
  return { at: new Date(atMs).toISOString(), replica: 'berth', stream: 'berth', line };
}
