import type { App, Deployment, ReplicaStatus } from '@berth/protocol';
import type { AppRow, DeploymentRow, NewestDeployment, Store } from '@berth/store';
import type { AgentGateway } from '../agents/gateway.js';
import type { AuditAnchors } from '../audit/anchor.js';
import type { ArchiveStore } from '../builds/archives.js';
import type { BuildRunner } from '../builds/runner.js';
import type { ServerConfig } from '../config.js';
import type { DeploymentFeed } from '../deploy/deployment-feed.js';
import type { EventBus } from '../events/bus.js';
import type { KeyedFeed } from '../events/keyed-feed.js';
import type { DeployService } from '../deploy/service.js';
import type { DomainsService } from '../domains/service.js';
import type { VolumesService } from '../volumes/service.js';
import type { DatabasesService } from '../databases/service.js';
import type { DatabaseRestore } from '../databases/restore.js';
import type { NotifyService } from '../notify/service.js';
import type { CronScheduler } from '../cron/scheduler.js';
import type { BackupsService } from '../backups/service.js';
import type { BackupTargets } from '../backups/targets.js';
import type { SystemBackups } from '../system-backup/service.js';
import type { BackupSchedules } from '../backups/schedules.js';
import type { CertificatesService } from '../certificates/service.js';
import type { FirstOwnerSetup } from '../identity/first-owner.js';
import type { KeyHolder } from '../secrets/keys.js';
import type { SecretsService } from '../secrets/service.js';
import { toAppView, toDeploymentView } from './views.js';

/** What route handlers need, built once in createHttpApp. */
export interface RouteContext {
  store: Store;
  service: DeployService;
  secrets: SecretsService;
  domains: DomainsService;
  volumes: VolumesService;
  databases: DatabasesService;
  databaseRestore: DatabaseRestore;
  notify: NotifyService;
  /** Woken when a job is added or removed. */
  cron: Pick<CronScheduler, 'wake'>;
  backupTargets: BackupTargets;
  backups: BackupsService;
  systemBackups: SystemBackups;
  backupSchedules: BackupSchedules;
  certificates: CertificatesService;
  keys: KeyHolder;
  agents: AgentGateway;
  archives: ArchiveStore;
  builds: BuildRunner;
  config: ServerConfig;
  /** berthd's internal CA fingerprint (`sha256:…`) that join tokens carry; null: none to pin. */
  caFingerprint: string | null;
  clock: () => number;
  defaults: { teamId: string; projectId: string };
  anchors: AuditAnchors;
  /** Wakes followers of a deployment when it changes (deploy --follow, the dashboard). */
  deploymentFeed: DeploymentFeed;
  /** Wakes followers of a build's log when its lines or status commit. */
  buildFeed: KeyedFeed;
  /** What changed, per team, for the event streams (events/bus.ts). */
  events: EventBus;
  /** The first-owner setup link, open while the installation has no owner account. */
  firstOwner: FirstOwnerSetup;
  appView(app: AppRow): Promise<App>;
  /** Like appView for each, with every app's newest deployment read in one query (GET /apps). */
  appViews(apps: readonly AppRow[]): Promise<App[]>;
  /** `logs`: whether the reader may see log output (see mayReadLogs); without, error.logs is empty. */
  deploymentView(d: DeploymentRow, reader: { logs: boolean }): Promise<Deployment>;
}

export function createRouteContext(
  base: Omit<RouteContext, 'appView' | 'appViews' | 'deploymentView'>,
): RouteContext {
  const { store, agents, config } = base;
  const replicaStatus = async (app: AppRow): Promise<ReplicaStatus[]> => {
    const releases = new Map((await store.releases.list(app.id)).map((r) => [r.id, r.version]));
    return agents
      .reportFor(app.id)
      .flatMap(({ serverName, app: report }) =>
        report.replicas.map((r) => ({
          name: r.name,
          releaseId: r.releaseId,
          releaseVersion: releases.get(r.releaseId) ?? null,
          slot: r.slot,
          state: r.state,
          server: serverName,
        })),
      )
      .sort((a, b) => a.slot - b.slot || a.server.localeCompare(b.server));
  };
  const mountsOf = async (appId: string): Promise<{ volume: string; path: string }[]> => {
    const out: { volume: string; path: string }[] = [];
    for (const m of await store.volumes.mountsOf(appId))
      out.push({ volume: (await store.volumes.get(m.volumeId))?.name ?? m.volumeId, path: m.path });
    return out;
  };
  const viewOf = async (app: AppRow, latest: NewestDeployment | null): Promise<App> => {
    const current = app.currentReleaseId ? await store.releases.get(app.currentReleaseId) : null;
    const team = await store.teams.get(app.teamId);
    const project = await store.projects.get(app.projectId);
    const secrets = (await store.secrets.list(app.id)).map((s) => s.key);
    const credentials = (await store.appSealed.get(app.id, 'git-token'))
      ? 'token'
      : (await store.appSealed.get(app.id, 'git-ssh-key'))
        ? 'ssh-key'
        : 'none';
    return toAppView(
      app,
      {
        current,
        latest,
        replicas: await replicaStatus(app),
        team: team?.name ?? '?',
        project: project?.name ?? '?',
        secrets,
        credentials,
        volumes: await mountsOf(app.id),
      },
      config,
    );
  };
  const appViews = async (apps: readonly AppRow[]): Promise<App[]> => {
    const newest = await store.deployments.newestOf(apps.map((a) => a.id));
    return Promise.all(apps.map((a) => viewOf(a, newest.get(a.id) ?? null)));
  };
  return {
    ...base,
    appViews,
    appView: async (app) => viewOf(app, (await store.deployments.newestOf([app.id])).get(app.id) ?? null),
    async deploymentView(d, reader) {
      const app = await store.apps.getById(d.appId);
      const release = await store.releases.get(d.releaseId);
      const build = d.buildId ? await store.builds.get(d.buildId) : null;
      return toDeploymentView(
        d,
        { name: app?.name ?? '?' },
        { version: release?.version ?? 0 },
        build && { id: build.id, number: build.number },
        reader,
      );
    },
  };
}
