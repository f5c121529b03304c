import type { ServerRow, Store } from '@berth/store';
import type { FastifyBaseLogger } from 'fastify';
import { servingSignature } from './edge-membership.js';
import type { AgentSession } from './session.js';

/** Connections in a burst (berthd restarted, a fleet reconnecting) make one check of the peers. */
const PEERS_CHECK_DELAY_MS = 500;
/** How long a read of the servers serves single pushes (their peers) before it is read again. */
const SERVERS_FRESH_MS = 1_000;

/**
 * What makes berthd push every server's desired state besides a deploy: the fleet's serving
 * replicas changed (every edge serves every app: edge-membership.ts), or the fleet's private
 * addresses or mesh members did (each agent's firewall keeps apps from the other servers', and
 * its mesh interface has every other server as a peer). Built to stay cheap
 * with a thousand agents: the peers are checked once after a burst of connections, and single
 * pushes share one read of the servers per second.
 */
export function createFleetPushes(deps: {
  store: Store;
  log: FastifyBaseLogger;
  sessions: ReadonlyMap<string, AgentSession>;
  pushAll: () => Promise<void>;
  /** Before the push of a changed serving set: it is a new epoch (edge-drains.ts). */
  servingChanged: () => void;
}) {
  const { store, log, sessions } = deps;
  let serversRead: { atMs: number; rows: Promise<ServerRow[]> } | null = null;
  let peers: string | null = null;
  let peersCheck: NodeJS.Timeout | null = null;
  let serving = '';

  const checkPeers = async (): Promise<void> => {
    const now = peersOf(await store.servers.list());
    const changed = peers !== null && now !== peers;
    peers = now;
    if (changed) await deps.pushAll();
  };
  // What every server was told at berthd's start: the first check compares with it.
  void store.servers.list().then(
    (rows) => (peers ??= peersOf(rows)),
    () => undefined,
  );

  return {
    /** The servers' rows for a single push (read at most once per SERVERS_FRESH_MS). */
    recentServers(): Promise<ServerRow[]> {
      if (!serversRead || performance.now() - serversRead.atMs > SERVERS_FRESH_MS) {
        serversRead = { atMs: performance.now(), rows: store.servers.list() };
      }
      return serversRead.rows;
    },

    /** A push to all read them anew: single pushes reuse that read. */
    serversRead(rows: ServerRow[]): void {
      serversRead = { atMs: performance.now(), rows: Promise.resolve(rows) };
    },

    /** A server connected (its hello may carry a new private address): check once the burst ends. */
    connected(): void {
      if (peersCheck) return;
      peersCheck = setTimeout(() => {
        peersCheck = null;
        checkPeers().catch((err: unknown) => log.error({ err }, 'checking the fleet’s addresses failed'));
      }, PEERS_CHECK_DELAY_MS);
      peersCheck.unref();
    },

    /** After a report or a link's end: the serving replicas, fleet-wide, pushed to all if changed. */
    servingMayHaveChanged(): void {
      const now = servingSignature(sessions.values());
      if (now === serving) return;
      serving = now;
      deps.servingChanged();
      void deps.pushAll();
    },

    close(): void {
      if (peersCheck) clearTimeout(peersCheck);
    },
  };
}

/** What every server's firewall and mesh interface are made from: a change is pushed to all. */
function peersOf(rows: readonly ServerRow[]): string {
  return rows
    .filter((r) => r.state !== 'removed')
    .map((r) => `${r.id}=${r.privateIp}/${r.meshIp}/${r.mesh?.publicKey}/${r.mesh?.endpoint}`)
    .sort()
    .join(',');
}
