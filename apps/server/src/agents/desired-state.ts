import {
  desiredDatabase,
  toAppHostname,
  toEngineVolumeName,
  toPinnedRegistryRef,
  toRevision,
  type RolloutDirection,
} from '@berth/core';
import { sealFor } from '@berth/crypto';
import {
  BerthError,
  agentSecretAad,
  type DesiredApp,
  type DesiredState,
  type EngineVolumeMount,
  type ElsewhereApp,
  type FleetRegistryAccess,
  type ReleaseSpec,
  type RemoteUpstream,
} from '@berth/protocol';
import type {
  AppRow,
  DomainRow,
  PlacementRow,
  ReleaseRow,
  ReleaseSecretRow,
  ServerRow,
  Store,
} from '@berth/store';
import { secretAad, type KeyHolder } from '../secrets/keys.js';

export interface DesiredStateSettings {
  domain: string;
  drainTimeoutMs: number;
  stopTimeoutMs: number;
}

/**
 * What one server should run, derived from the store on demand: an app is desired once a
 * deployment has made one of its releases current, and a server gets the replica slots that
 * deployment placed on it (its `slots`). A server that still runs replicas of an app (`running`,
 * from its report) but has no slots of it any more gets the app with no slots, so it drains them
 * rather than dropping them as orphans, and the app's replicas elsewhere, so its edge turns to
 * them as soon as its own leave; secrets go only to servers with slots. An app whose
 * deployment was placed before berthd placed replicas goes to every server, without slots.
 * Every other app is served by the server's edge from its replicas elsewhere (`elsewhere`).
 */
export async function buildDesiredState(
  store: Store,
  serverId: string,
  settings: DesiredStateSettings,
  sealSecrets: SecretSealer,
  running: ReadonlySet<string> = new Set(),
  servingElsewhere: ServingElsewhere = () => [],
  /** The servers, read once for a push to many (their private addresses are each one's peers). */
  servers?: readonly ServerRow[],
  /** The fleet registry as this server logs in to it; null: the fleet has none. */
  registry: FleetRegistryAccess | null = null,
): Promise<DesiredState> {
  // Read before the apps: a change committed in between then comes with a version that is not
  // newer, and the push its commit triggers carries the next one.
  const version = (await store.servers.get(serverId))?.desiredVersion ?? 0;
  // This server's rows only: every server's would make a push to N servers read N² rows.
  const mine = await store.placements.listCurrentOn(serverId);
  const placed = await store.placements.listPlacedApps();
  const apps: DesiredApp[] = [];
  const elsewhere: ElsewhereApp[] = [];
  // Databases' workloads: no edge anywhere serves them, and their agent gets what runs them.
  const databases = new Map(
    (await store.databases.list(null)).flatMap((d) => (d.appId ? [[d.appId, d] as const] : [])),
  );
  for (const app of await store.apps.list()) {
    if (!app.currentReleaseId || !app.currentDeploymentId) continue;
    const slots = slotsOn(app, mine, placed);
    const database = databases.get(app.id);
    if (slots?.length === 0 && database) {
      if (!running.has(app.id)) continue;
    } else if (slots?.length === 0) {
      elsewhere.push({
        appId: app.id,
        appName: app.name,
        teamId: app.teamId,
        hostnames: [toAppHostname(app.name, settings.domain)],
        upstreams: servingElsewhere(app.id, serverId),
      });
      if (!running.has(app.id)) continue;
    }
    const release = await store.releases.get(app.currentReleaseId);
    if (!release?.imageId) continue;
    const restartId = await store.deployments.currentRestart(app.id, release.id, app.currentDeploymentId);
    const rollout = {
      deploymentId: app.currentDeploymentId,
      direction: app.rolloutDirection,
      replicas: app.currentReplicas,
      restartId,
    };
    const share = await toShare(
      store,
      app,
      rollout,
      { ...release, imageId: release.imageId },
      slots,
      settings,
      {
        sealSecrets,
        registry,
      },
    );
    apps.push(
      database
        ? {
            ...share,
            hostnames: [],
            database: desiredDatabase(database.engine, database.name, database.publicPort),
          }
        : share,
    );
  }
  const rows = servers ?? (await store.servers.list());
  const withDomains = domainsOf(await store.domains.list());
  return {
    version,
    apps: apps.map(withDomains),
    elsewhere: elsewhere.map(withDomains),
    peers: peersOf(serverId, rows),
    ...(registry && { registry }),
  };
}

/**
 * An app's custom domains on top of `<app>.<base>`: its primary names as hostnames (a wildcard
 * `*.example.com` serves every name one label under it that no exact hostname takes), the others
 * as redirects to them.
 */
function domainsOf(rows: readonly DomainRow[]) {
  const byApp = new Map<string, DomainRow[]>();
  for (const row of rows) byApp.set(row.appId, [...(byApp.get(row.appId) ?? []), row]);
  return <T extends { appId: string; hostnames: string[] }>(app: T): T => {
    const mine = byApp.get(app.appId) ?? [];
    if (mine.length === 0) return app;
    const primaries = mine.filter((d) => d.kind === 'primary').map((d) => d.name);
    const redirects = mine.flatMap((d) =>
      d.kind === 'redirect' && d.redirectTo !== null ? [{ from: d.name, to: d.redirectTo }] : [],
    );
    return { ...app, hostnames: [...app.hostnames, ...primaries], redirects };
  };
}

/**
 * The other servers' addresses the host firewall keeps apps from: their private ones, and their
 * mesh ones unless this server is a mesh member (members get the mesh addresses with the members
 * list, sent once per change: this list goes with every push, to every server).
 */
function peersOf(serverId: string, rows: readonly ServerRow[]): string[] {
  const self = rows.find((s) => s.id === serverId);
  const member = self?.mesh != null && self.meshIp !== null;
  return rows
    .filter((s) => s.id !== serverId && s.state !== 'removed')
    .flatMap((s) => [s.privateIp, member ? null : s.meshIp].filter((ip): ip is string => ip !== null));
}

/**
 * The pinned name of a release's image in the fleet registry, at the registry's address now (the
 * digest is stored, the name derived, so the registry may move).
 */
const pullFrom = (registry: FleetRegistryAccess, app: AppRow, digest: string): { ref: string } => ({
  ref: toPinnedRegistryRef({ registry: registry.address, teamId: app.teamId, appName: app.name }, digest),
});

/** The app's serving replicas on servers other than `serverId`, where their edges reach them. */
export type ServingElsewhere = (appId: string, serverId: string) => RemoteUpstream[];

/**
 * The app's slots among the server's placements (`mine`); undefined for an app with replicas but
 * no placement on any server (`placed`: the apps that have one).
 */
function slotsOn(
  app: AppRow,
  mine: readonly PlacementRow[],
  placed: ReadonlySet<string>,
): number[] | undefined {
  if (!placed.has(app.id) && app.currentReplicas > 0) return undefined;
  return mine.filter((p) => p.appId === app.id).map((p) => p.slot);
}

/** Opens a release's secrets and seals each for one agent: the agent can open them, no one else. */
export type SecretSealer = (
  release: ReleaseRow,
  secrets: readonly ReleaseSecretRow[],
) => Record<string, string>;

export function sealerFor(keys: KeyHolder, agentSealingKey: string | null): SecretSealer {
  return (release, secrets) => {
    if (secrets.length === 0) return {};
    if (!agentSealingKey)
      throw new BerthError('INTERNAL', 'this agent has no sealing key, so it cannot be sent secrets');
    const out: Record<string, string> = {};
    for (const s of secrets) {
      const plain = keys.box.open(
        'app-secret',
        { keyId: s.keyId, value: s.value },
        secretAad(release.appId, s.key),
      );
      out[s.key] = sealFor(agentSealingKey, plain, agentSecretAad(release.id, s.key));
    }
    return out;
  };
}

/** Which of a release's secrets are files, and where they are mounted. */
const toSecretFiles = (rows: readonly ReleaseSecretRow[]): Record<string, string> =>
  Object.fromEntries(rows.flatMap((r) => (r.filePath === null ? [] : [[r.key, r.filePath]])));

/** Which rollout of an app a server is sent: its deployment, which way, how many replicas. */
export interface SentRollout {
  deploymentId: string;
  direction: RolloutDirection;
  replicas: number;
  restartId: string | null;
}

/**
 * The app as one server is sent it at `rollout` of `release`: its `slots` (undefined: an app
 * placed before berthd placed replicas), secrets sealed to the server when it has any slot, the
 * image pulled from the fleet registry when it was pushed there.
 */
export async function toShare(
  store: Store,
  app: AppRow,
  rollout: SentRollout,
  release: ReleaseRow & { imageId: string },
  slots: number[] | undefined,
  settings: DesiredStateSettings,
  to: { sealSecrets: SecretSealer; registry: FleetRegistryAccess | null },
): Promise<DesiredApp> {
  const rows = slots?.length === 0 ? [] : await store.releaseSecrets.list(release.id);
  const sealed = { values: to.sealSecrets(release, rows), files: toSecretFiles(rows) };
  const desired = toDesiredApp(app, rollout, release, release.imageId, sealed, settings);
  const volumes = await engineMountsOf(store, app.id);
  if (volumes.length > 0) desired.release.volumes = volumes;
  if (app.strategy !== 'rolling') desired.strategy = app.strategy;
  const { registry } = to;
  const pull = registry && release.registryDigest ? pullFrom(registry, app, release.registryDigest) : null;
  if (pull) desired.release.pull = pull;
  return { ...desired, restartId: rollout.restartId, ...(slots && { slots, replicas: slots.length }) };
}

function toDesiredApp(
  app: AppRow,
  rollout: SentRollout,
  release: ReleaseRow,
  imageId: string,
  secrets: { values: Record<string, string>; files: Record<string, string> },
  s: DesiredStateSettings,
): DesiredApp {
  const spec: ReleaseSpec = {
    id: release.id,
    version: release.version,
    image: release.image,
    imageId,
    env: release.env,
    port: release.port,
    command: release.command,
    health: release.health,
    secrets: secrets.values,
    secretFiles: secrets.files,
    limits: release.limits,
  };
  return {
    appId: app.id,
    appName: app.name,
    teamId: app.teamId,
    revision: toRevision(rollout.deploymentId, rollout.direction),
    deploymentId: rollout.deploymentId,
    release: spec,
    replicas: rollout.replicas,
    hostnames: [toAppHostname(app.name, s.domain)],
    drainTimeoutMs: s.drainTimeoutMs,
    stopTimeoutMs: s.stopTimeoutMs,
  };
}

/**
 * The app's volumes as its agent mounts them: Berth's engine names, never the team's names.
 * Mounts belong to the app, not a release: a rollback keeps them, so the data stays with the app.
 */
async function engineMountsOf(store: Store, appId: string): Promise<EngineVolumeMount[]> {
  const out: EngineVolumeMount[] = [];
  for (const m of await store.volumes.mountsOf(appId))
    out.push({ engineName: toEngineVolumeName(m.volumeId), volumeId: m.volumeId, path: m.path });
  return out;
}
