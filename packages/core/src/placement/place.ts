import { withBuildPlaneApart } from './build-plane.js';
import {
  cpuFits,
  emptyUsage,
  freeMemoryMiB,
  freeMilliCpu,
  keepsReplicas,
  memoryFits,
  reserve,
  allows,
  takesNewReplicas,
  type ServerUsage,
} from './fit.js';
import type {
  PlacementApp,
  PlacementChange,
  PlacementResult,
  PlacementServer,
  SlotPlacement,
  UnplaceableReason,
  UnplacedSlot,
} from './types.js';

const slotKey = (appId: string, slot: number): string => `${appId}\u0000${slot}`;
const byId = (a: { id: string }, b: { id: string }): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const bySlot = (a: SlotPlacement, b: SlotPlacement): number =>
  a.appId < b.appId ? -1 : a.appId > b.appId ? 1 : a.slot - b.slot;

/** The scheduler's working state: the fleet and what each server has reserved so far. */
interface Fleet {
  servers: PlacementServer[];
  byId: Map<string, PlacementServer>;
  usage: Map<string, ServerUsage>;
}

/**
 * Where every replica slot of every app runs (the Nomad way: a pure function of the apps, the
 * servers and where replicas run now). Stable: a slot stays on its server while that server keeps
 * replicas, matches the app's constraints and has room; nothing moves without a reason. New slots
 * go to ready servers with room, spread first across servers (fewest replicas of the app), then
 * across the values of the app's `spreadBy` label, then to the least loaded server. Existing
 * replicas are not rebalanced onto a server that joins later. Servers labelled `role=build` run
 * no replicas while the fleet has others (build-plane.ts).
 */
export function place(
  apps: readonly PlacementApp[],
  servers: readonly PlacementServer[],
  current: readonly SlotPlacement[],
): PlacementResult {
  const sortedServers = [...servers].sort(byId);
  const fleet: Fleet = {
    servers: sortedServers,
    byId: new Map(sortedServers.map((s) => [s.id, s])),
    usage: new Map(sortedServers.map((s) => [s.id, emptyUsage()])),
  };
  const sortedApps = withBuildPlaneApart(apps, sortedServers).sort(byId);
  const before = currentBySlot(current);
  const after = new Map<string, SlotPlacement>();

  for (const app of sortedApps) keepStable(app, fleet, before, after);
  const missing: { app: PlacementApp; slot: number }[] = [];
  for (const app of sortedApps) {
    for (let slot = 1; slot <= app.replicas; slot++) {
      if (after.has(slotKey(app.id, slot))) continue;
      const server = choose(app, fleet) ?? stayOnDraining(app, slot, fleet, before);
      if (server === null) {
        missing.push({ app, slot });
        continue;
      }
      reserve(usageOf(fleet, server.id), app);
      after.set(slotKey(app.id, slot), { appId: app.id, slot, serverId: server.id });
    }
  }
  // Reasons describe the fleet as placed, so placing again gives the same words.
  const unplaced: UnplacedSlot[] = missing.map(({ app, slot }) => ({
    appId: app.id,
    appName: app.name,
    slot,
    reason: whyUnplaceable(app, fleet),
  }));
  const placements = [...after.values()].sort(bySlot);
  return { placements, changes: diff(before, after), unplaced };
}

/** One placement per slot (the store's unique key); a duplicate in `current` is dropped. */
function currentBySlot(current: readonly SlotPlacement[]): Map<string, SlotPlacement> {
  const bySlotKey = new Map<string, SlotPlacement>();
  const sorted = [...current].sort((a, b) => bySlot(a, b) || (a.serverId < b.serverId ? -1 : 1));
  for (const p of sorted)
    if (!bySlotKey.has(slotKey(p.appId, p.slot))) bySlotKey.set(slotKey(p.appId, p.slot), p);
  return bySlotKey;
}

function keepStable(
  app: PlacementApp,
  fleet: Fleet,
  before: Map<string, SlotPlacement>,
  after: Map<string, SlotPlacement>,
): void {
  for (let slot = 1; slot <= app.replicas; slot++) {
    const now = before.get(slotKey(app.id, slot));
    const server = now === undefined ? undefined : fleet.byId.get(now.serverId);
    if (now === undefined || server === undefined || !keepsReplicas(server.status)) continue;
    const usage = usageOf(fleet, server.id);
    if (!allows(server, app) || !memoryFits(server, usage, app) || !cpuFits(server, usage, app)) continue;
    reserve(usage, app);
    after.set(slotKey(app.id, slot), now);
  }
}

function choose(app: PlacementApp, fleet: Fleet): PlacementServer | null {
  const fit = fleet.servers.filter((s) => {
    const usage = usageOf(fleet, s.id);
    return (
      takesNewReplicas(s.status) && allows(s, app) && memoryFits(s, usage, app) && cpuFits(s, usage, app)
    );
  });
  let best: PlacementServer | null = null;
  let bestScore: number[] = [];
  for (const server of fit) {
    const score = spreadScore(app, server, fleet);
    if (best === null || lessThan(score, bestScore)) {
      best = server;
      bestScore = score;
    }
  }
  return best;
}

/** Lower is better: the app's replicas on the server, then in its label group, then all replicas there. */
function spreadScore(app: PlacementApp, server: PlacementServer, fleet: Fleet): number[] {
  const usage = usageOf(fleet, server.id);
  const onServer = usage.perApp.get(app.id) ?? 0;
  const key = app.spreadBy;
  const inGroup =
    key === undefined
      ? 0
      : fleet.servers
          .filter((s) => (s.labels[key] ?? '') === (server.labels[key] ?? ''))
          .reduce((n, s) => n + (usageOf(fleet, s.id).perApp.get(app.id) ?? 0), 0);
  return [onServer, inGroup, usage.slots];
}

function lessThan(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] ?? 0) < (b[i] ?? 0);
  return false;
}

/** A draining server's replica with nowhere to go keeps running: a drain never drops capacity. */
function stayOnDraining(
  app: PlacementApp,
  slot: number,
  fleet: Fleet,
  before: Map<string, SlotPlacement>,
): PlacementServer | null {
  const now = before.get(slotKey(app.id, slot));
  const server = now === undefined ? undefined : fleet.byId.get(now.serverId);
  if (server === undefined || server.status !== 'draining') return null;
  const usage = usageOf(fleet, server.id);
  const fits = allows(server, app) && memoryFits(server, usage, app) && cpuFits(server, usage, app);
  return fits ? server : null;
}

/** The first filter that leaves no server names the reason, with the best the fleet has. */
function whyUnplaceable(app: PlacementApp, fleet: Fleet): UnplaceableReason {
  if (fleet.servers.length === 0) return { kind: 'no-servers' };
  if (app.pinnedTo !== undefined) {
    const pinned = fleet.byId.get(app.pinnedTo.serverId);
    if (pinned === undefined || !takesNewReplicas(pinned.status))
      return {
        kind: 'pinned',
        because: app.pinnedTo.because,
        server: pinned?.name ?? app.pinnedTo.serverId,
        status: pinned?.status ?? 'gone',
      };
  }
  const ready = fleet.servers.filter((s) => takesNewReplicas(s.status));
  if (ready.length === 0) {
    return {
      kind: 'no-ready-server',
      notReady: fleet.servers.map((s) => ({ server: s.name, status: s.status })),
    };
  }
  const matching = ready.filter((s) => allows(s, app));
  if (matching.length === 0) return { kind: 'constraints', constraints: app.constraints };
  const withMemory = matching.filter((s) => memoryFits(s, usageOf(fleet, s.id), app));
  if (withMemory.length === 0) {
    const most = maxBy(matching, (s) => freeMemoryMiB(s, usageOf(fleet, s.id)));
    return {
      kind: 'memory',
      needMiB: app.memoryMiB,
      mostFree: { server: most.server.name, freeMiB: Math.max(0, most.value) },
    };
  }
  const most = maxBy(withMemory, (s) => freeMilliCpu(s, usageOf(fleet, s.id)));
  return {
    kind: 'cpu',
    needCpu: app.cpu,
    mostFree: { server: most.server.name, freeCpu: Math.max(0, most.value) / 1000 },
  };
}

function maxBy(
  servers: PlacementServer[],
  value: (s: PlacementServer) => number,
): { server: PlacementServer; value: number } {
  let best = { server: servers[0] as PlacementServer, value: value(servers[0] as PlacementServer) };
  for (const s of servers.slice(1)) {
    const v = value(s);
    if (v > best.value) best = { server: s, value: v };
  }
  return best;
}

function usageOf(fleet: Fleet, serverId: string): ServerUsage {
  const usage = fleet.usage.get(serverId);
  if (usage === undefined) throw new Error(`scheduler: no usage for server ${serverId}`);
  return usage;
}

function diff(before: Map<string, SlotPlacement>, after: Map<string, SlotPlacement>): PlacementChange[] {
  const changes: PlacementChange[] = [];
  const keys = [...new Set([...before.keys(), ...after.keys()])];
  const slots = keys.map((k) => (after.get(k) ?? before.get(k)) as SlotPlacement).sort(bySlot);
  for (const { appId, slot } of slots) {
    const was = before.get(slotKey(appId, slot));
    const now = after.get(slotKey(appId, slot));
    if (was === undefined && now !== undefined)
      changes.push({ kind: 'place', appId, slot, serverId: now.serverId });
    else if (was !== undefined && now === undefined)
      changes.push({ kind: 'remove', appId, slot, fromServerId: was.serverId });
    else if (was !== undefined && now !== undefined && was.serverId !== now.serverId)
      changes.push({ kind: 'move', appId, slot, fromServerId: was.serverId, serverId: now.serverId });
  }
  return changes;
}
