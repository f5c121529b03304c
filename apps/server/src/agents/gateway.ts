import type { AgentReport, AppReport, LogLine, LogsParams } from '@berth/protocol';
import type { Repos, Store } from '@berth/store';
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import { reservationsByServer } from '../deploy/placement.js';
import { ensureMeshAddress } from '../fleet/mesh-addresses.js';
import type { FleetRegistry } from '../registry/fleet-registry.js';
import type { KeyHolder } from '../secrets/keys.js';
import { edgesCaughtUp } from './edge-catch-up.js';
import { loadEdgeCertificates } from './edge-certificates.js';
import type { DesiredStateSettings } from './desired-state.js';
import { handshake, type TrustSettings } from './handshake.js';
import { CLOSE_FOR_REFUSAL, createMessageCheck, recordRefusal } from './message-check.js';
import { rolloutOutcome, type RolloutResult, type RolloutWatch } from './rollout-watch.js';
import { createStaging } from './staging.js';
import { createLocalServerLookup, reportingReplicas } from './routing.js';
import { watchLiveness } from './liveness.js';
import { streamAppLogs } from './log-streams.js';
import { createEdgeDrains } from './edge-drains.js';
import { indexServing } from './edge-membership.js';
import { createFleetPushes } from './fleet-pushes.js';
import { desiredMessageText, fleetMeshOf, type FleetMesh } from './fleet-mesh.js';
import { createImageCalls } from './image-calls.js';
import { createWorkCalls } from './work-calls.js';
import { createOneOffRuns } from './one-off-runs.js';
import { AgentSession } from './session.js';
import { appsWithChangedReplicas } from './replica-summary.js';
import { createAgentMessages } from './agent-messages.js';
import { createDesiredFor, type ServingNow, type SharedPushReads } from './session-desired-state.js';

export type { RolloutResult } from './rollout-watch.js';

/** How stale `servers list`'s last seen of a connected server may be. */
const LAST_SEEN_EVERY_MS = 30_000;

interface Waiter extends RolloutWatch {
  resolve: (r: RolloutResult) => void;
}

export interface AgentGatewayDeps {
  store: Store;
  clock: () => number;
  log: FastifyBaseLogger;
  settings: DesiredStateSettings & TrustSettings & { meshSubnet: string };
  keys: KeyHolder;
  /** The fleet's image registry, or null when berthd runs none. */
  registry?: FleetRegistry | null;
  /** HTTP-01 answers every edge serves now (see certificates/challenge-board.ts). */
  challenges?: () => Record<string, string>;
  /** Told of apps whose replicas, as a server reports them, changed (the dashboard's notices). */
  onReplicasChanged?: (appIds: readonly string[]) => void;
}

export type AgentGateway = ReturnType<typeof createAgentGateway>;

/**
 * berthd's side of the agent link: authenticates agents, pushes desired state, relays RPCs and
 * collects reports. It never touches a container; agents do.
 */
export function createAgentGateway({
  store,
  clock,
  log,
  settings,
  keys,
  registry = null,
  challenges = () => ({}),
  onReplicasChanged = () => undefined,
}: AgentGatewayDeps) {
  const sessions = new Map<string, AgentSession>();
  /** When each server's last link ended (this berthd's life only; see offlineSince). */
  const disconnectedAt = new Map<string, number>();
  const startedAt = clock();
  const lastSeenWritten = new Map<string, number>();
  const offlineSince = (serverId: string): number => disconnectedAt.get(serverId) ?? startedAt;
  const staging = createStaging(store, log);
  const drains = createEdgeDrains(sessions, settings.drainTimeoutMs);
  /** The serving replicas with their epoch, taken in one step: an epoch never names another set. */
  const servingNow = (): ServingNow => ({
    index: indexServing(sessions.values()),
    at: drains.current(),
  });
  /** The mesh of the last push (a report that says the agent holds another gets it sent again). */
  let lastMesh: FleetMesh | null = null;
  const sendDesired = async (s: AgentSession, shared: SharedPushReads = {}): Promise<void> => {
    const servers = shared.servers ?? (await pushes.recentServers());
    const state = await desiredFor(s, { ...shared, servers });
    if (!state) return;
    lastMesh = fleetMeshOf(servers, settings.meshSubnet);
    s.sendText(desiredMessageText(state, s.serverId, lastMesh, s.report?.meshSignature));
  };
  /** An agent that reports another mesh than the current one missed it (a push it dropped): again. */
  const meshMissed = (s: AgentSession): boolean =>
    lastMesh !== null &&
    lastMesh.memberIds.has(s.serverId) &&
    s.report?.meshSignature !== undefined &&
    s.report.meshSignature !== lastMesh.spec.signature;
  const pushes = createFleetPushes({
    store,
    log,
    sessions,
    pushAll: () => gateway.pushDesired(),
    servingChanged: () => drains.servingChanged(),
  });
  const localServer = createLocalServerLookup(store, settings.localAgentKeyFile);
  const images = createImageCalls({ sessions, localServer, registry });
  const work = createWorkCalls({ store, sessions, localServer, clock });
  const oneOff = createOneOffRuns({ store, sessions, keys, settings, images });
  const desiredFor = createDesiredFor({
    store,
    keys,
    settings,
    clock,
    challenges,
    staging,
    drains,
    images,
    pushes,
    servingNow,
  });
  const waiters = new Set<Waiter>();
  let pushing: Promise<void> = Promise.resolve();

  const settle = (): void => {
    for (const w of waiters) {
      const outcome = rolloutOutcome(w, sessions.values());
      if (outcome === null) continue;
      waiters.delete(w);
      w.resolve(outcome);
    }
  };

  /** Pushes are serialized so none overtakes another. */
  const enqueuePush = (push: () => Promise<void>): Promise<void> => {
    pushing = pushing.then(push);
    return pushing.catch((err: unknown) => log.error({ err }, 'pushing desired state failed'));
  };
  const pushTo = (serverId: string): Promise<void> =>
    enqueuePush(async () => {
      const s = sessions.get(serverId);
      if (s) await sendDesired(s);
    });

  /** Servers whose replicas every other edge has now let go learn it (edge-drains.ts). */
  const releaseDue = (): void => {
    for (const serverId of drains.due()) void pushTo(serverId);
  };

  /** Tells of the apps whose replicas differ between a server's last picture and its next. */
  const replicasMoved = (before: AgentReport | null, after: AgentReport | null): void => {
    const changed = appsWithChangedReplicas(before, after);
    if (changed.length > 0) onReplicasChanged(changed);
  };

  const onReport = async (session: AgentSession, report: AgentReport): Promise<void> => {
    const before = session.report;
    session.report = report;
    replicasMoved(before, report);
    // One synchronous step: a new epoch this report makes covers the replicas it says left.
    pushes.servingMayHaveChanged();
    drains.reported(session);
    releaseDue();
    settle();
    for (const serverId of await staging.advance(sessions)) void pushTo(serverId);
    if (meshMissed(session)) void pushTo(session.serverId);
    // A commit (an fsync) per report is most of an idle fleet's cost: `last seen` is written
    // at most every LAST_SEEN_EVERY_MS while the link lasts, and when it ends.
    if (clock() - (lastSeenWritten.get(session.serverId) ?? 0) >= LAST_SEEN_EVERY_MS) {
      lastSeenWritten.set(session.serverId, clock());
      await store.servers.setLastSeen(session.serverId, clock());
    }
  };
  const onMessage = createAgentMessages({ store, log, clock, sessions, onReport });

  const gateway = {
    /** Serves one WebSocket from an agent, from handshake to disconnect. */
    async accept(socket: WebSocket): Promise<void> {
      const identity = await handshake(socket, store, clock, settings, log, (id) => sessions.has(id));
      if (!identity) return;
      // Its mesh (and the others', with it as a new peer) goes out with the push every server
      // gets once this burst of connections has ended (fleet-pushes.ts: the members changed).
      await ensureMeshAddress(store, identity.serverId, settings.meshSubnet, log);
      const session = new AgentSession(identity.serverId, identity.serverName, identity.sealingKey, socket);
      sessions.get(identity.serverId)?.close(4000, 'replaced by a newer connection');
      sessions.set(identity.serverId, session);
      log.info({ server: identity.serverName }, 'agent connected');
      const check = createMessageCheck(identity.publicKey, identity.challenge, clock);
      let refused = false;
      socket.on('message', (data: Buffer) => {
        // Checked here, synchronously, so messages are checked in the order they arrived.
        if (refused) return;
        const verdict = check(data.toString('utf8'));
        if (!verdict.ok) {
          refused = true;
          session.close(CLOSE_FOR_REFUSAL[verdict.refusal], verdict.detail);
          recordRefusal(store, log, clock(), identity, verdict.refusal, verdict.detail).catch(
            (err: unknown) => log.error({ err }, 'recording a refused agent message failed'),
          );
          return;
        }
        onMessage(session, verdict.body).catch((err: unknown) => log.error({ err }, 'agent message failed'));
      });
      const unwatch = watchLiveness(socket, () =>
        log.warn({ server: identity.serverName }, 'agent link silent: closing it'),
      );
      socket.on('close', () => {
        unwatch();
        session.abandon();
        if (sessions.get(identity.serverId) !== session) return;
        sessions.delete(identity.serverId);
        replicasMoved(session.report, null);
        disconnectedAt.set(identity.serverId, clock());
        lastSeenWritten.delete(identity.serverId);
        drains.disconnected(identity.serverId);
        pushes.servingMayHaveChanged();
        releaseDue();
        log.info({ server: identity.serverName }, 'agent disconnected');
        // What `servers list` shows as last seen; placement counts from offlineSince.
        store.servers
          .setLastSeen(identity.serverId, clock())
          .catch((err: unknown) => log.error({ err }, 'recording a disconnect failed'));
      });
      session.send({ type: 'welcome', serverId: identity.serverId, serverName: identity.serverName });
      await sendDesired(session);
      pushes.connected();
    },

    /** See edge-catch-up.ts. */
    edgesCaughtUp: (timeoutMs: number): Promise<boolean> => edgesCaughtUp(store, sessions, clock, timeoutMs),

    /** Sends the current desired state to every agent; pushes are serialized so none overtakes another. */
    pushDesired(): Promise<void> {
      return enqueuePush(async () => {
        const servers = await store.servers.list();
        pushes.serversRead(servers);
        const certificates = await loadEdgeCertificates(store, keys, clock(), settings.domain);
        const shared = { servers, serving: servingNow(), certificates };
        for (const s of sessions.values()) await sendDesired(s, shared);
      });
    },

    /**
     * The next push of the app's `revision` reaches the servers of `order` one at a time (see
     * staging.ts); call in the transaction `tx` that makes the rollout current.
     */
    stageRollout(tx: Repos, appId: string, revision: string, order: readonly string[]): Promise<void> {
      return staging.begin(tx, appId, revision, order);
    },

    /** The rollout of `revision` is put back: its stage, if any, goes (in the transaction `tx`). */
    unstageRollout(tx: Repos, appId: string, revision: string): Promise<void> {
      return staging.drop(tx, appId, revision);
    },

    /** Servers whose agents report replicas of the app now. */
    runningApp: (appId: string): string[] =>
      reportingReplicas(sessions.values(), appId).map((s) => s.serverId),

    resolveImage: images.resolveImage,

    /**
     * Resolves when the rollout of the revision has converged on every server it placed slots on
     * (and the servers that lost theirs let the app go), or failed on one; the caller bounds the
     * wait.
     */
    waitForRollout(watch: RolloutWatch, signal: AbortSignal): Promise<RolloutResult> {
      return new Promise((resolve, reject) => {
        const w: Waiter = { ...watch, resolve };
        waiters.add(w);
        signal.addEventListener('abort', () => {
          waiters.delete(w);
          reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
        });
        settle();
      });
    },

    /** CPU (thousandths) and memory the replicas placed on a server reserve. */
    async usedBy(serverId: string): Promise<{ cpuMillis: number; memoryMib: number }> {
      const used = await reservationsByServer(store, await store.placements.listCurrent());
      return used.get(serverId) ?? { cpuMillis: 0, memoryMib: 0 };
    },

    reportFor(appId: string): { serverId: string; serverName: string; app: AppReport }[] {
      return [...sessions.values()].flatMap((s) =>
        (s.report?.apps ?? [])
          .filter((a) => a.appId === appId)
          .map((app) => ({ serverId: s.serverId, serverName: s.serverName, app })),
      );
    },

    latestReports(): Map<string, AgentReport | null> {
      return new Map([...sessions.values()].map((s) => [s.serverId, s.report]));
    },

    /** The app's logs from every server that runs its replicas, as their lines arrive. */
    streamLogs(params: LogsParams, onLines: (lines: LogLine[]) => void, signal: AbortSignal): Promise<void> {
      return streamAppLogs({ store, sessions, clock, offlineSince }, params, onLines, signal);
    },

    // exec, build, bootstrapImages: work run on one agent and streamed back.
    ...work,

    // runOneOff: `berth run` and cron runs, a new container on a server that runs the app.
    ...oneOff,

    isOnline: (serverId: string): boolean => sessions.has(serverId),

    /** The id of the server `berth up`'s own agent runs as, or null (no local agent). */
    localServerId: localServer,

    offlineSince,

    /** Closes the server's live link, if it has one (removed, or its key replaced). */
    disconnect(serverId: string, code: number, reason: string): void {
      sessions.get(serverId)?.close(code, reason);
      // A removed server's registry login goes with it.
      registry?.sync().catch((err: unknown) => log.error({ err }, 'updating the registry logins failed'));
    },

    registryAddress: images.registryAddress,
    pushImage: images.pushImage,

    close(): void {
      pushes.close();
      for (const s of sessions.values()) s.close(1001, 'berthd is stopping');
    },
  };
  return gateway;
}
