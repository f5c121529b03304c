import { portWarnings, toAppUrl } from '@berth/core';
import type {
  App,
  AppStatus,
  Build,
  BuilderName,
  Deployment,
  DeploymentError,
  DeploymentSummary,
  Release,
  ReleaseSummary,
  ReplicaStatus,
} from '@berth/protocol';
import type { AppRow, BuildRow, DeploymentRow, NewestDeployment, ReleaseRow } from '@berth/store';

/** Store rows → API shapes. One place, so every route answers the same way. */

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

export interface UrlSettings {
  domain: string;
  httpPort: number;
}

export function toReleaseSummary(r: ReleaseRow): ReleaseSummary {
  return { id: r.id, version: r.version, image: r.image, imageId: r.imageId, createdAt: iso(r.createdAt) };
}

export function toReleaseView(r: ReleaseRow, currentReleaseId: string | null): Release {
  return {
    ...toReleaseSummary(r),
    appId: r.appId,
    env: r.env,
    port: r.port,
    command: r.command,
    health: r.health,
    replicas: r.replicas,
    limits: r.limits,
    commit: r.commit,
    current: r.id === currentReleaseId,
  };
}

export function toAppStatus(app: AppRow, latest: DeploymentRow | null): AppStatus {
  if (
    latest &&
    (latest.status === 'queued' || latest.status === 'preparing' || latest.status === 'rolling_out')
  ) {
    return 'deploying';
  }
  if (app.currentReleaseId) return app.currentReplicas > 0 ? 'running' : 'stopped';
  return latest?.status === 'failed' ? 'failed' : 'new';
}

export function toAppView(
  app: AppRow,
  extra: {
    current: ReleaseRow | null;
    /** Its newest deployment, whatever its status. */
    latest: NewestDeployment | null;
    replicas: ReplicaStatus[];
    team: string;
    project: string;
    secrets: string[];
    credentials: 'none' | 'token' | 'ssh-key';
    /** Its volumes by their team names, and where each is mounted. */
    volumes?: { volume: string; path: string }[];
  },
  urls: UrlSettings,
): App {
  return {
    id: app.id,
    name: app.name,
    team: extra.team,
    project: extra.project,
    secrets: extra.secrets,
    url: toAppUrl(app.name, urls.domain, urls.httpPort),
    image: app.image,
    source: app.source ? { ...app.source, credentials: extra.credentials } : null,
    port: app.port,
    command: app.command,
    env: app.env,
    health: app.health,
    replicas: app.replicas,
    limits: app.limits,
    constraints: app.constraints,
    volumes: extra.volumes ?? [],
    strategy: app.strategy,
    status: toAppStatus(app, extra.latest?.deployment ?? null),
    currentRelease: extra.current ? toReleaseSummary(extra.current) : null,
    lastDeployment: extra.latest ? toDeploymentSummary(extra.latest) : null,
    replicaStatus: extra.replicas,
    createdAt: iso(app.createdAt),
    updatedAt: iso(app.updatedAt),
    ...warningsOf(app),
  };
}

const warningsOf = (app: AppRow): { warnings?: string[] } => {
  const warnings = portWarnings(app.name, app);
  return warnings.length > 0 ? { warnings } : {};
};

/**
 * Log output (an app's containers, a build's steps) is for those who may read logs: the error of
 * a deployment or a build carries its last lines, so without that permission they are left out,
 * and the log routes and these records follow one rule.
 */
export const toErrorView = (
  error: DeploymentError | null,
  reader: { logs: boolean },
): DeploymentError | null => (error && !reader.logs ? { ...error, logs: [] } : error);

export function toDeploymentView(
  d: DeploymentRow,
  app: { name: string },
  release: { version: number },
  build: { id: string; number: number } | null,
  reader: { logs: boolean },
): Deployment {
  return {
    id: d.id,
    appId: d.appId,
    appName: app.name,
    releaseId: d.releaseId,
    releaseVersion: release.version,
    kind: d.kind,
    status: d.status,
    replicas: d.replicas,
    build,
    error: toErrorView(d.error, reader),
    requestedBy: d.requestedBy,
    createdAt: iso(d.createdAt),
    startedAt: isoOrNull(d.startedAt),
    finishedAt: isoOrNull(d.finishedAt),
  };
}

export function toDeploymentSummary({ deployment: d, releaseVersion }: NewestDeployment): DeploymentSummary {
  return {
    id: d.id,
    kind: d.kind,
    status: d.status,
    releaseVersion,
    requestedBy: d.requestedBy,
    createdAt: iso(d.createdAt),
    startedAt: isoOrNull(d.startedAt),
    finishedAt: isoOrNull(d.finishedAt),
  };
}

export function toBuildView(b: BuildRow, app: { name: string }, reader: { logs: boolean }): Build {
  return {
    id: b.id,
    appName: app.name,
    number: b.number,
    status: b.status,
    trigger: b.trigger,
    source:
      b.source.type === 'git'
        ? { type: 'git', url: b.source.url, ref: b.source.ref }
        : { type: 'archive', sha256: b.source.sha256, bytes: b.source.bytes },
    commit: b.commit,
    subject: b.subject,
    builder: b.builder as BuilderName | null,
    image: b.image,
    imageId: b.imageId,
    error: toErrorView(b.error, reader),
    deploymentId: b.deploymentId,
    createdAt: iso(b.createdAt),
    startedAt: isoOrNull(b.startedAt),
    finishedAt: isoOrNull(b.finishedAt),
    durationMs: b.startedAt !== null && b.finishedAt !== null ? b.finishedAt - b.startedAt : null,
  };
}
