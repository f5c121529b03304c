import {
  describeUnplacedApp,
  place,
  type PlacementConstraint,
  type PlacementServer,
  type ServerStatus,
  type SlotPlacement,
} from '@berth/core';
import { BerthError, type ResourceLimits } from '@berth/protocol';
import type { AppRow, PlacementRow, ReleaseRow, Repos, ServerRow } from '@berth/store';

/**
 * Where a deployment's replica slots run, decided when it is queued with the pure scheduler
 * (`place()` in @berth/core) and stored with it: berthd sends each server only its slots, and
 * the rollout is done when every server with slots (or that lost them) has converged.
 */

/** What berthd knows of the link to each server, beside the store. */
export interface FleetView {
  isOnline(serverId: string): boolean;
  /**
   * Since when berthd has had no link to the server: the end of its last link, or berthd's own
   * start when it has not had one since (a server that has not reconnected yet after a berthd
   * restart is not down because its last report is old).
   */
  offlineSince(serverId: string): number;
}

/**
 * CPU limits are ceilings, not reservations a replica uses all the time: a server offers the
 * scheduler this many times its cores (so three 1-CPU replicas fit a 2-core machine).
 */
export const CPU_OVERCOMMIT = 4;

/**
 * An offline server seen this recently keeps its replicas (suspect); longer offline, they move
 * (down; fleet/down-watch.ts queues the moves). Counted from the moment its link ended (berthd
 * ends a link silent for agents/liveness.ts's SILENT_LINK_MS): a server frozen or cut off for a
 * few seconds reconnects before this and keeps everything; a dead one is replaced within
 * ~SILENT_LINK_MS + this + a rollout.
 */
export const SUSPECT_FOR_MS = 8_000;

/** A deployment's replica count and id, as placement needs them. */
export interface DeploymentToPlace {
  id: string;
  replicas: number;
}

/**
 * Places the slots of a deployment of `app` running `release` and stores the placement, inside
 * the caller's transaction. Throws DEPLOY_UNPLACEABLE with the scheduler's reason when a slot
 * fits nowhere (the transaction then writes nothing). Returns false when no server has joined
 * yet: the deploy job places it when the rollout starts.
 */
export async function placeDeployment(
  tx: Repos,
  fleet: FleetView,
  app: AppRow,
  release: Pick<ReleaseRow, 'limits'>,
  deployment: DeploymentToPlace,
  now: number,
): Promise<boolean> {
  const live = (await tx.servers.list()).filter((s) => s.state !== 'removed');
  if (live.length === 0) return false;
  const current = await tx.placements.listCurrent();
  const mine = current.filter((p) => p.appId === app.id);
  const others = current.filter((p) => p.appId !== app.id);
  const reserved = await reservationsByServer(tx, others);
  const anyOnline = live.some((s) => fleet.isOnline(s.id));
  const servers = live.map((s) =>
    toPlacementServer(s, statusOf(s, fleet, anyOnline, now), reserved.get(s.id)),
  );
  const pinnedTo = await placementPin(tx, app.id);
  const placementApp = {
    id: app.id,
    name: app.name,
    replicas: deployment.replicas,
    cpu: release.limits.cpu,
    memoryMiB: release.limits.memoryMiB,
    constraints: parseConstraints(app.constraints ?? []),
    ...(pinnedTo && { pinnedTo }),
  };
  const result = place([placementApp], servers, mine.map(toSlotPlacement));
  const reason = describeUnplacedApp(result.unplaced, placementApp);
  if (reason !== null) {
    throw new BerthError('DEPLOY_UNPLACEABLE', `Cannot place ${reason}`, {
      hint: result.unplaced.some((u) => u.reason.kind === 'pinned')
        ? 'Bring that server back (berth servers list shows it): a volume’s data never moves to another server on its own'
        : `See what each server has free: berth servers list; or ask for less: berth scale ${app.name} --replicas N --memory SIZE`,
    });
  }
  const placed = result.placements.map((p) => ({ ...p, deploymentId: deployment.id }));
  // Slots above the new count stay where they run: a rollout that is put back runs them again.
  const carried = mine
    .filter((p) => p.slot > deployment.replicas)
    .map((p) => ({ ...p, deploymentId: deployment.id }));
  await tx.placements.createMany([...placed, ...carried]);
  return true;
}

/**
 * The scheduler's view of a server. `active` servers take new replicas while their agent is
 * connected; an offline one (active or paused) keeps what it runs while recently seen and gives
 * it away after.
 * When no server at all is connected (berthd just started, a one-machine install's agent is
 * restarting), connected-ness says nothing: active servers count as ready and the rollout waits
 * for their agents.
 */
export function statusOf(s: ServerRow, fleet: FleetView, anyOnline: boolean, now: number): ServerStatus {
  switch (s.state) {
    case 'draining':
      return 'draining';
    case 'paused':
      // Paused for a new key while its agent is away: gets nothing new, and its replicas move like
      // a down server's (a stranger's claim on a live server's name never pauses it: handshake.ts).
      if (fleet.isOnline(s.id) || !anyOnline) return 'paused';
      return now - fleet.offlineSince(s.id) < SUSPECT_FOR_MS ? 'paused' : 'down';
    case 'removed':
      return 'down';
    case 'active':
      if (fleet.isOnline(s.id) || !anyOnline) return 'ready';
      return now - fleet.offlineSince(s.id) < SUSPECT_FOR_MS ? 'suspect' : 'down';
  }
}

interface Reserved {
  cpuMillis: number;
  memoryMib: number;
}

/** What the other apps' replicas reserve on each server (their current release's limits). */
export async function reservationsByServer(
  tx: Repos,
  placements: readonly PlacementRow[],
): Promise<Map<string, Reserved>> {
  const limits = new Map<string, ResourceLimits | null>();
  const out = new Map<string, Reserved>();
  for (const p of placements) {
    if (!limits.has(p.appId)) limits.set(p.appId, await currentLimits(tx, p.appId));
    const l = limits.get(p.appId);
    if (!l) continue;
    const r = out.get(p.serverId) ?? { cpuMillis: 0, memoryMib: 0 };
    r.cpuMillis += Math.round(l.cpu * 1000);
    r.memoryMib += l.memoryMiB;
    out.set(p.serverId, r);
  }
  return out;
}

async function currentLimits(tx: Repos, appId: string): Promise<ResourceLimits | null> {
  const app = await tx.apps.getById(appId);
  const release = app?.currentReleaseId ? await tx.releases.get(app.currentReleaseId) : null;
  return release?.limits ?? null;
}

/** Capacity offered to this app: the server's (CPU overcommitted), less what other apps reserve. */
function toPlacementServer(
  s: ServerRow,
  status: ServerStatus,
  reserved: Reserved | undefined,
): PlacementServer {
  const used = reserved ?? { cpuMillis: 0, memoryMib: 0 };
  return {
    id: s.id,
    name: s.name,
    status,
    labels: s.labels,
    capacity:
      s.capacity === null
        ? null
        : {
            cpu: Math.max(0, s.capacity.cpuMillis * CPU_OVERCOMMIT - used.cpuMillis) / 1000,
            memoryMiB: Math.max(0, s.capacity.memoryMib - used.memoryMib),
          },
  };
}

const toSlotPlacement = (p: PlacementRow): SlotPlacement => ({
  appId: p.appId,
  slot: p.slot,
  serverId: p.serverId,
});

/** `zone=b`, `role!=build`: validated at the API boundary, so a stored one always parses. */
export function parseConstraints(raw: readonly string[]): PlacementConstraint[] {
  return raw.map((c) => {
    const m = /^([^=!]+)(!=|=)(.*)$/.exec(c);
    if (!m) throw new BerthError('INTERNAL', `stored placement constraint "${c}" does not parse`);
    return { key: m[1] as string, op: m[2] as '=' | '!=', value: m[3] as string };
  });
}

/**
 * The server an app's replicas must run on: where its volumes live (all on one server: apps
 * create refuses others), else where the databases it is linked to run (a database is reached
 * on its own server's team network only; `db link` refuses a second server). Null: anywhere.
 */
export async function placementPin(
  tx: Repos,
  appId: string,
): Promise<{ serverId: string; because: string } | null> {
  const volume = await volumePin(tx, appId);
  if (volume) return volume;
  const [database] = await tx.databases.linkedTo(appId);
  return database ? { serverId: database.serverId, because: `database ${database.name}` } : null;
}

/** The server an app's volumes live on. Null: it mounts none. */
export async function volumePin(
  tx: Repos,
  appId: string,
): Promise<{ serverId: string; because: string } | null> {
  const [first] = await tx.volumes.mountsOf(appId);
  const volume = first ? await tx.volumes.get(first.volumeId) : null;
  return volume ? { serverId: volume.serverId, because: `volume ${volume.name}` } : null;
}
