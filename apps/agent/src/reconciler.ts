import { noEdgeTls, type EdgeTls } from './edge-tls.js';
import {
  backoffDelayMs,
  isTargetOf,
  LABELS,
  plan,
  toReplicaState,
  type Action,
  type ObservedReplica,
} from '@berth/core';
import { readListeningSockets, type ContainerDetails, type ContainerEngine, type Proxy } from '@berth/engine';
import type {
  AgentEvent,
  AgentReport,
  AppReport,
  DesiredApp,
  DesiredState,
  ReleaseSpec,
} from '@berth/protocol';
import { startWakeLoop, type WakeLoop } from '@berth/io';
import type { Logger } from 'pino';
import { applyAction, type ApplyDeps, type ApplyState, type Effect } from './apply.js';
import { pruneMemory, type AgentMemory, type MemoryFile } from './cache.js';
import type { AppFirewall } from './firewall.js';
import { HealthMonitor } from './health.js';
import { replicaProbeTarget } from './health-exec.js';
import type { ProbeWindow } from './logs/health-lines.js';
import { fleetPeers, withKeptMesh, type MeshInterface } from './mesh.js';
import type { InternalNames } from './internal-names.js';
import type { TeamNetworks } from './networks.js';
import { observeReplicas } from './observe.js';
import { PortHints } from './port-hints.js';
import { heldElsewhere, reachableFromElsewhere, RemoteDrains } from './fleet-drain.js';
import { edgeRoutes, edgeUpstreams, remoteUpstreams, withoutRemote } from './edge-upstreams.js';
import type { RegistryImages } from './registry-images.js';
import type { SecretFiles } from './secret-files.js';
import { StopsUnderWay } from './stops.js';

export interface ReconcilerDeps {
  engine: ContainerEngine;
  proxy: Proxy;
  memoryFile: MemoryFile;
  agentId: string;
  /** Where replicas are published while the server is outside the mesh (or before its interface is up). */
  publishHost: string;
  /** Where a database's `--public-port` is published (the edge's listen address). */
  publicHost: string;
  /** The mesh interface; null: this server is not in a mesh. */
  mesh: Pick<MeshInterface, 'sync' | 'address'> | null;
  log: Logger;
  emit(event: AgentEvent): void;
  report(report: AgentReport): void;
  /** Opens a release's sealed secrets for a container start. */
  openSecrets(release: ReleaseSpec): Record<string, string>;
  /** Opens the desired state's certificates for the edge. */
  openEdgeTls(state: DesiredState): EdgeTls;
  /** Pulls a release's image from the fleet registry when this server lacks it (beside the loop). */
  images: Pick<RegistryImages, 'prepare'>;
  networks: TeamNetworks;
  firewall: AppFirewall;
  secretFiles: SecretFiles;
  /** `<app>.internal` for each team's replicas; absent: not served. */
  internalNames?: InternalNames;
}

const BUSY_TICK_MS = 100;
const IDLE_TICK_MS = 1000;
const REPORT_EVERY_MS = 5000;
/** Before the next start of a replica of an app whose replicas keep dying: 0.5 s, 1 s, 2 s … a minute. */
const CRASH_LOOP_BACKOFF = { firstMs: 500, maxMs: 60_000 };

/**
 * The agent's loop: observe the server, plan() against the desired state, apply the actions in
 * order, report. Every tick starts from fresh observations, so a crash anywhere just resumes.
 */
export class Reconciler {
  private memory: AgentMemory = { desired: null, outcomes: {}, failures: {} };
  private readonly state: ApplyState = {
    routes: [],
    served: {},
    remote: {},
    tls: noEdgeTls(),
    unroutedAt: new Map(),
    containers: new Map(),
  };
  private readonly health = new HealthMonitor(() => this.wake());
  private readonly stops = new StopsUnderWay(() => this.wake());
  private readonly remoteDrains = new RemoteDrains();
  private readonly portHints = new PortHints({ read: readListeningSockets });
  private readonly backoff = new Map<string, { count: number; until: number }>();
  private readonly startedAt = Date.now();
  private lastReport = '';
  private lastReportAt = 0;
  private loop: WakeLoop | null = null;

  constructor(private readonly deps: ReconcilerDeps) {}

  async start(): Promise<void> {
    this.memory = await this.deps.memoryFile.read();
    this.state.served = await this.deps.proxy.published();
    this.loop = startWakeLoop({
      pass: async () => ((await this.tick()) ? BUSY_TICK_MS : IDLE_TICK_MS),
      onError: (err) =>
        this.deps.log.warn({ err: err instanceof Error ? err.message : err }, 'reconcile tick failed'),
      errorDelayMs: IDLE_TICK_MS,
    });
  }

  async stop(): Promise<void> {
    await this.loop?.stop();
    this.health.stop();
    await this.deps.internalNames?.stop();
  }

  /** A push from berthd. A reconnect may resend an older version (berthd restarted); that is fine. */
  async setDesired(state: DesiredState, fresh: boolean): Promise<void> {
    const held = this.memory.desired;
    if (held && !fresh && state.version < held.version) return;
    this.memory = pruneMemory({ ...this.memory, desired: withKeptMesh(state, held) });
    await this.deps.memoryFile.write(this.memory);
    this.wake();
  }

  /** When the recent health probes of a container ran (for `logs --no-health`). */
  probeWindows(containerId: string): readonly ProbeWindow[] {
    return this.health.windows(containerId);
  }

  forceReport(): void {
    this.lastReport = '';
    this.wake();
  }

  wake(): void {
    this.loop?.wake();
  }

  /** One pass; true when more work is under way (so the next pass comes soon). */
  private async tick(): Promise<boolean> {
    const desiredState = this.memory.desired;
    // Without any desired state (first start, berthd not reached yet) nothing is an orphan yet.
    if (!desiredState) return false;
    const desired = desiredState.apps;
    await this.syncRoutes(desiredState);
    // Taken before listing: a stop that ends meanwhile has removed its container from the list.
    // Containers being stopped are not inspected again: Podman answers that only once the stop
    // is done (or fails it with "no such container" once it is removed), which would hold or
    // fail the whole tick.
    const stopping = this.stops.ids();
    const known = new Map([...this.state.containers].filter(([id]) => stopping.has(id)));
    const containers = await this.deps.engine.list({ [LABELS.agent]: this.deps.agentId }, { known });
    this.state.containers = new Map(containers.map((c) => [c.id, c]));
    // Networks (and the firewall that names them) come before any replica that joins them.
    const networksChanged = await this.deps.networks.sync(desired, containers);
    await this.deps.firewall.sync(this.deps.networks.list(), networksChanged, fleetPeers(desiredState));
    await this.deps.internalNames?.sync(this.deps.networks.list(), desiredState, containers);
    // Before any replica starts: a new one is published on the mesh address once it is up.
    await this.deps.mesh?.sync(desiredState.mesh);
    await this.deps.secretFiles.sweep(new Set(containers.map((c) => c.name)));
    const inflight = await this.inflightIfDraining(containers);
    const now = Date.now();
    this.remoteDrains.settle(inflight, now, this.deps.proxy.removalSettleMs);
    const replicas = observeReplicas({
      containers,
      desired,
      served: this.state.served,
      health: this.health,
      unroutedAt: this.state.unroutedAt,
      inflight,
      heldElsewhere: (c) => heldElsewhere(desiredState.edges, c),
      stopping,
      agentStartedAtMs: this.startedAt,
      rolledOut: (revision) => this.memory.outcomes[revision] === 'converged',
      probeTarget: (c, app) => replicaProbeTarget(this.deps.engine, c, app),
    });
    this.health.retain(
      new Set(containers.filter((c) => c.status === 'running' && !stopping.has(c.id)).map((c) => c.id)),
    );
    for (const hint of await this.portHints.look(replicas, this.state.containers, desired, now)) {
      const app = desired.find((d) => d.appId === hint.appId);
      await this.record(hint.appId, app, [{ kind: 'event', level: 'warn', message: hint.message }]);
    }
    const actions = plan(
      desired,
      { nowMs: now, replicas, outcomes: this.memory.outcomes, startBlockedUntilMs: this.blockedUntil() },
      { unrouteSettleMs: this.deps.proxy.removalSettleMs },
    );
    const byId = new Map(desired.map((d) => [d.appId, d]));
    for (const action of actions) {
      const app = byId.get(action.appId);
      if (action.kind === 'stop' && this.state.containers.get(action.containerId)?.status === 'running') {
        this.stopAside(action, app);
        continue;
      }
      await this.record(action.appId, app, await applyAction(action, app, this.applyDeps(), this.state));
    }
    this.sendReport(desiredState, replicas);
    return (
      actions.length > 0 ||
      this.stops.size > 0 ||
      this.remoteDrains.draining > 0 ||
      replicas.some((r) => !r.routed && r.status === 'running')
    );
  }

  private applyDeps(): ApplyDeps {
    return {
      ...this.deps,
      health: this.health,
      clock: Date.now,
      publishHost: this.deps.mesh?.address() ?? this.deps.publishHost,
      networkFor: (teamId) => this.deps.networks.nameFor(teamId),
      dnsFor: (teamId) => this.deps.internalNames?.dnsFor(teamId, this.deps.networks.list()) ?? null,
      prepareImage: (release) =>
        this.deps.images.prepare(release, this.memory.desired?.registry, () => this.wake()),
      portClause: (containerId, port, refused) =>
        this.portHints.clause(this.state.containers.get(containerId), port, refused),
    };
  }

  /**
   * A running replica's stop goes on beside the loop (see StopsUnderWay); what it does is
   * recorded when it ends. Stops of containers that are not running only remove them: inline.
   */
  private stopAside(action: Extract<Action, { kind: 'stop' }>, app: DesiredApp | undefined): void {
    this.stops.start(action.containerId, async () => {
      try {
        await this.record(action.appId, app, await applyAction(action, app, this.applyDeps(), this.state));
      } catch (err) {
        this.deps.log.warn(
          { err: err instanceof Error ? err.message : err, container: action.name },
          'stopping a replica failed; it is tried again',
        );
      }
    });
  }

  /**
   * Publishes the routes of the desired apps and of those served from other servers, and drops
   * the upstreams of apps that went away. Every tick: the edge skips what it already has (and
   * repairs an edge that lost its routes).
   */
  private async syncRoutes(state: DesiredState): Promise<void> {
    // A team's network appears in the pass after its first app: its <app>.internal routes follow then.
    const subnets = this.deps.internalNames?.subnets(this.deps.networks.list());
    const routes = edgeRoutes(state.apps, state.elsewhere ?? [], subnets);
    const here = new Set(state.apps.map((a) => a.appName));
    const remote = remoteUpstreams(state);
    const served = withoutRemote(
      Object.fromEntries(Object.entries(this.state.served).filter(([app]) => here.has(app))),
      remote,
    );
    const tls = this.deps.openEdgeTls(state);
    await this.deps.proxy.publish({ routes, upstreams: edgeUpstreams(served, remote), ...tls });
    this.state.tls = tls;
    this.remoteDrains.afterPublish(this.state.remote, remote, state.edges, Date.now());
    this.state.routes = routes;
    this.state.served = served;
    this.state.remote = remote;
  }

  /**
   * In-flight counts per replica, asked only while a running replica here is out of the
   * upstreams, or another server's replica that left this edge still drains.
   */
  private async inflightIfDraining(
    containers: readonly ContainerDetails[],
  ): Promise<ReadonlyMap<string, number> | null> {
    const routedNames = new Set(Object.values(this.state.served).flatMap((ups) => ups.map((u) => u.name)));
    const drainingHere = containers.some((c) => c.status === 'running' && !routedNames.has(c.name));
    if (!drainingHere && this.remoteDrains.draining === 0) return new Map();
    return this.deps.proxy.inflight().catch(() => null);
  }

  private blockedUntil(): Record<string, number> {
    return Object.fromEntries([...this.backoff].map(([appId, b]) => [appId, b.until]));
  }

  private async record(appId: string, app: DesiredApp | undefined, effects: Effect[]): Promise<void> {
    let changed = false;
    for (const e of effects) {
      if (e.kind === 'event') {
        this.deps.log[e.level === 'error' ? 'error' : e.level === 'warn' ? 'warn' : 'info'](
          { app: app?.appName },
          e.message,
        );
        if (app) {
          this.deps.emit({
            appId,
            revision: app.revision,
            deploymentId: app.deploymentId,
            at: new Date().toISOString(),
            level: e.level,
            message: e.message,
          });
        }
      } else if (e.kind === 'outcome') {
        this.memory.outcomes[e.revision] = e.outcome;
        if (e.outcome === 'failed') this.memory.failures[e.revision] = e.failure;
        if (e.outcome === 'converged') this.backoff.delete(appId);
        changed = true;
      } else {
        const b = this.backoff.get(appId) ?? { count: 0, until: 0 };
        b.count += 1;
        b.until = Date.now() + backoffDelayMs(b.count, CRASH_LOOP_BACKOFF);
        this.backoff.set(appId, b);
      }
    }
    if (changed) await this.deps.memoryFile.write(this.memory);
  }

  private sendReport(desired: DesiredState, replicas: readonly ObservedReplica[]): void {
    const apps: AppReport[] = desired.apps.map((d) => {
      const outcome = this.memory.outcomes[d.revision];
      return {
        appId: d.appId,
        revision: d.revision,
        phase: outcome ?? 'rolling',
        failure: outcome === 'failed' ? (this.memory.failures[d.revision] ?? null) : null,
        replicas: replicas
          .filter((r) => r.appId === d.appId)
          .map((r) => ({
            name: r.name,
            containerId: r.containerId,
            releaseId: r.releaseId,
            slot: r.slot,
            state: toReplicaState(r, isTargetOf(d, r)),
            endpoint: r.routed ? reachableFromElsewhere(this.state.containers.get(r.containerId)) : null,
          })),
      };
    });
    const report: AgentReport = {
      desiredVersion: desired.version,
      apps,
      meshSignature: desired.mesh?.signature ?? null,
      edgeEpoch: this.remoteDrains.applied(),
    };
    const key = JSON.stringify(report);
    if (key === this.lastReport && Date.now() - this.lastReportAt < REPORT_EVERY_MS) return;
    this.lastReport = key;
    this.lastReportAt = Date.now();
    this.deps.report(report);
  }
}
