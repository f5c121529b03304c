import type { EdgeTls } from './edge-tls.js';
import { parseReplicaLabels, toReplicaLabels, type Action, type AppRoute, type Upstream } from '@berth/core';
import type { ContainerDetails, ContainerEngine, Proxy } from '@berth/engine';
import { ensureVolumes } from './volumes.js';
import { BerthError, type DesiredApp, type ReleaseSpec, type RolloutFailure } from '@berth/protocol';
import { edgeUpstreams, type UpstreamsByApp } from './edge-upstreams.js';
import { isRefusedProbe, type HealthMonitor } from './health.js';
import { replicaProbeTarget } from './health-exec.js';
import type { ImageReadiness } from './registry-images.js';
import { toFileOwner, type SecretFile, type SecretFiles } from './secret-files.js';

export interface ApplyDeps {
  engine: ContainerEngine;
  proxy: Proxy;
  health: HealthMonitor;
  agentId: string;
  publishHost: string;
  /** Where a database's `--public-port` is published: the address the edge listens on (all when empty). */
  publicHost: string;
  clock: () => number;
  openSecrets(release: ReleaseSpec): Record<string, string>;
  /** Whether the engine holds the release's image; a pull it needs goes on beside the loop. */
  prepareImage(release: ReleaseSpec): Promise<ImageReadiness>;
  /** The network of the team (made by TeamNetworks before any replica needs it). */
  networkFor(teamId: string): string;
  /** The DNS server of the team's replicas (`<app>.internal`); null: the engine's default. */
  dnsFor?(teamId: string): string | null;
  secretFiles: SecretFiles;
  /** What a replica listens on, when that is not its port (for a failed health check). */
  portClause(containerId: string, port: number, refused: boolean): Promise<string | null>;
}

export interface ApplyState {
  /** The routes last published (each publish carries them with the upstreams). */
  routes: readonly AppRoute[];
  /** By app name, this server's replicas the edge serves. */
  served: Record<string, Upstream[]>;
  /** By app name, other servers' replicas, for apps with none here (see edge-upstreams.ts). */
  remote: UpstreamsByApp;
  /** Certificates and HTTP-01 answers, published with every change of the routes or upstreams. */
  tls: EdgeTls;
  unroutedAt: Map<string, number>;
  /** This tick's view of the containers, by id. */
  containers: ReadonlyMap<string, ContainerDetails>;
}

export type Effect =
  | { kind: 'event'; level: 'info' | 'warn' | 'error'; message: string }
  | { kind: 'outcome'; revision: string; outcome: 'converged' }
  | { kind: 'outcome'; revision: string; outcome: 'failed'; failure: RolloutFailure }
  | { kind: 'crashed' };

/** A start that failed for one of these reasons fails the rollout; others are tried again next tick. */
const FAILS_THE_ROLLOUT: ReadonlySet<string> = new Set([
  'DEPLOY_START_FAILED',
  'DEPLOY_IMAGE_NOT_FOUND',
  'DEPLOY_IMAGE_PULL_FAILED',
  'REGISTRY_AUTH_FAILED',
]);

/** How many of a failed container's last log lines explain the failure. */
const FAILURE_LOG_LINES = 20;

/**
 * Carries out one planned action. Returns what happened, for the reconciler to record and
 * report; throws when the action could not be done (the next tick plans again).
 */
export async function applyAction(
  action: Action,
  app: DesiredApp | undefined,
  deps: ApplyDeps,
  state: ApplyState,
): Promise<Effect[]> {
  switch (action.kind) {
    case 'start':
      return start(action, app, deps);
    case 'route':
    case 'unroute':
      return route(action, app, deps, state);
    case 'stop': {
      await deps.engine.stopAndRemove(action.containerId, Math.ceil((app?.stopTimeoutMs ?? 10_000) / 1000));
      await deps.secretFiles.remove(action.name);
      state.unroutedAt.delete(action.containerId);
      const effects: Effect[] = [
        { kind: 'event', level: 'info', message: `Removed ${action.name}: ${action.reason}` },
      ];
      return action.crashed ? [...effects, { kind: 'crashed' }] : effects;
    }
    case 'fail': {
      const logs = await lastLines(deps.engine, action.containerId);
      const detail = deps.health.lastError(action.containerId);
      const listens =
        action.code === 'DEPLOY_HEALTHCHECK_FAILED' && app && app.database === undefined
          ? await deps.portClause(action.containerId, app.release.port, isRefusedProbe(detail))
          : null;
      const message = [action.message, detail && `last probe: ${detail}`, listens]
        .filter((part): part is string => Boolean(part))
        .join('; ');
      return [
        { kind: 'event', level: 'error', message },
        ...logs.map((line): Effect => ({ kind: 'event', level: 'error', message: `  │ ${line}` })),
        {
          kind: 'outcome',
          revision: action.revision,
          outcome: 'failed',
          failure: { code: action.code, message, logs },
        },
      ];
    }
    case 'converge':
      return [
        {
          kind: 'event',
          level: 'info',
          message: `All ${app?.replicas ?? 0} replica(s) of v${app?.release.version ?? '?'} are serving`,
        },
        { kind: 'outcome', revision: action.revision, outcome: 'converged' },
      ];
  }
}

async function start(
  action: Extract<Action, { kind: 'start' }>,
  app: DesiredApp | undefined,
  deps: ApplyDeps,
): Promise<Effect[]> {
  if (!app) return [];
  const { release } = action;
  const started = deps.clock();
  let container: ContainerDetails;
  try {
    const image = await deps.prepareImage(release);
    // Not here yet: the next passes plan this start again, and it happens once the pull is done.
    if (image === 'pulling') return [];
    if (image === 'pull started')
      return [
        {
          kind: 'event',
          level: 'info',
          message:
            app.database === undefined
              ? `Pulling the image of v${release.version} (${release.pull?.ref ?? release.image}); its replicas start once it is here`
              : `Handing ${release.image} to the engine from this server's base images; the database starts once it is there`,
        },
      ];
    // Secrets are opened here, for the engine call (or the files), and kept nowhere else.
    const secrets = splitSecrets(deps.openSecrets(release), release.secretFiles);
    const owner = secrets.files.length > 0 ? toFileOwner(await deps.engine.imageUser(release.imageId)) : null;
    const files = await deps.secretFiles.write(action.name, secrets.files, owner);
    const volumes = await ensureVolumes(deps.engine, deps.agentId, release.volumes ?? []);
    container = await deps.engine
      .createAndStart({
        name: action.name,
        imageId: release.imageId,
        // PORT follows the Heroku/Dokku convention; an explicit PORT in the env wins, and a secret
        // wins over both.
        env: { PORT: String(release.port), ...release.env, ...secrets.env },
        command: release.command,
        labels: toReplicaLabels({
          agentId: deps.agentId,
          appId: app.appId,
          appName: app.appName,
          releaseId: release.id,
          releaseVersion: release.version,
          deploymentId: app.deploymentId,
          slot: action.slot,
          teamId: app.teamId,
          restartId: app.restartId ?? null,
        }),
        port: release.port,
        publishHost: deps.publishHost,
        ...(app.database?.publicPort !== undefined && {
          publicBinding: { host: deps.publicHost, port: app.database.publicPort },
        }),
        network: deps.networkFor(app.teamId),
        dns: deps.dnsFor?.(app.teamId) ?? null,
        limits: release.limits,
        files,
        volumes,
      })
      .catch(async (err: unknown) => {
        await deps.secretFiles.remove(action.name);
        throw err;
      });
  } catch (err) {
    if (err instanceof BerthError && FAILS_THE_ROLLOUT.has(err.code)) {
      return [
        { kind: 'event', level: 'error', message: `Could not start ${action.name}: ${err.message}` },
        {
          kind: 'outcome',
          revision: app.revision,
          outcome: 'failed',
          failure: {
            code: err.code,
            message: `Could not start ${action.name}: ${err.message}`,
            logs: err.logs,
          },
        },
      ];
    }
    throw err;
  }
  const ms = deps.clock() - started;
  // Probing starts now rather than at the next observation: the sooner it answers, the sooner it serves.
  const target = replicaProbeTarget(deps.engine, container, app);
  if (target !== null) deps.health.track(container.id, target, release.health, 'starting');
  return [
    {
      kind: 'event',
      level: 'info',
      message: `Started ${action.name} (v${release.version}, replica ${action.slot} of ${app.replicas}) in ${ms} ms; waiting for its health check`,
    },
  ];
}

async function route(
  action: Extract<Action, { kind: 'route' | 'unroute' }>,
  app: DesiredApp | undefined,
  deps: ApplyDeps,
  state: ApplyState,
): Promise<Effect[]> {
  const c = state.containers.get(action.containerId);
  const appName = (c && parseReplicaLabels(c.labels)?.appName) ?? app?.appName;
  if (!appName) return [];
  const current = state.served[appName] ?? [];
  let next = current.filter((u) => u.name !== action.name);
  if (action.kind === 'route') {
    if (!c?.published) throw new BerthError('INTERNAL', `${action.name} has no published port to route to`);
    next = [...next, { name: action.name, host: c.published.host, port: c.published.port }];
  }
  const served = { ...state.served, [appName]: next };
  if (next.length === 0) delete served[appName];
  await deps.proxy.publish({
    routes: state.routes,
    upstreams: edgeUpstreams(served, state.remote),
    ...state.tls,
  });
  // The drain clock starts once the edge has the change: removalSettleMs counts from here.
  state.served = served;
  if (action.kind === 'unroute') {
    state.unroutedAt.set(action.containerId, deps.clock());
    return [
      {
        kind: 'event',
        level: 'info',
        message: `${action.name} left the rotation (${action.reason}); draining`,
      },
    ];
  }
  return [{ kind: 'event', level: 'info', message: `${action.name} is healthy and now serves traffic` }];
}

async function lastLines(engine: ContainerEngine, containerId: string): Promise<string[]> {
  const lines: string[] = [];
  try {
    for await (const l of engine.logs(containerId, { tail: FAILURE_LOG_LINES, follow: false }))
      lines.push(l.line);
  } catch {
    // The container may already be gone; the failure stands without its logs.
  }
  return lines.slice(-FAILURE_LOG_LINES);
}

/** A release's opened secrets: those given as files (never in env) apart from the env ones. */
export function splitSecrets(
  opened: Record<string, string>,
  paths: Record<string, string>,
): { env: Record<string, string>; files: SecretFile[] } {
  const env: Record<string, string> = {};
  const files: SecretFile[] = [];
  for (const [key, value] of Object.entries(opened)) {
    const target = paths[key];
    if (target === undefined) env[key] = value;
    else files.push({ key, target, value });
  }
  return { env, files };
}
