import { domainsApi } from './client-domains.js';
import { volumesApi } from './client-volumes.js';
import { databasesApi } from './client-databases.js';
import { notificationsApi } from './client-notifications.js';
import { runsApi } from './client-runs.js';
import { backupsApi } from './client-backups.js';
import {
  App,
  AppList,
  Deployment,
  DeploymentList,
  DeploymentStreamLine,
  DeploymentWithEvents,
  EnvChange,
  EnvList,
  LogLine,
  ReleaseList,
  Health,
  ScaleChange,
  type AppCreate,
  type AppUpdate,
  type EnvPatch,
  type ScaleRequest,
} from '@berth/protocol';
import { buildsApi } from './client-builds.js';
import { serversApi } from './client-servers.js';
import { trustApi } from './client-trust.js';
import { createTransport, type ClientOptions } from './transport.js';

/**
 * A typed client of the Berth HTTP API, for the CLI (and later the dashboard and MCP). Every
 * response is validated against the protocol's schemas, so a drifting server fails loudly here.
 */

export type BerthClient = ReturnType<typeof createClient>;

export function createClient(options: ClientOptions) {
  const transport = createTransport(options);
  const { call, json, lines } = transport;

  const idem = (key: string | undefined): Record<string, string> => (key ? { 'idempotency-key': key } : {});
  const app = (name: string): string => `/apps/${encodeURIComponent(name)}`;

  return {
    ...trustApi(transport),
    ...buildsApi(transport),
    ...serversApi(transport),
    ...domainsApi(transport),
    ...volumesApi(transport),
    ...databasesApi(transport),
    ...notificationsApi(transport),
    ...runsApi(transport),
    ...backupsApi(transport),
    health: () => json(Health, 'GET', '/health'),
    listApps: async () => (await json(AppList, 'GET', '/apps')).apps,
    createApp: (input: AppCreate) => json(App, 'POST', '/apps', input),
    getApp: (name: string) => json(App, 'GET', app(name)),
    updateApp: (name: string, patch: AppUpdate) => json(App, 'PATCH', app(name), patch),
    deleteApp: async (name: string) => {
      await call('DELETE', app(name));
    },
    deploy: (name: string, image?: string, key?: string) =>
      json(Deployment, 'POST', `${app(name)}/deployments`, image ? { image } : {}, idem(key)),
    rollback: (name: string, toVersion?: number, key?: string) =>
      json(Deployment, 'POST', `${app(name)}/rollback`, toVersion ? { toVersion } : {}, idem(key)),
    restart: (name: string, key?: string) => json(Deployment, 'POST', `${app(name)}/restart`, {}, idem(key)),
    listDeployments: async (name: string) =>
      (await json(DeploymentList, 'GET', `${app(name)}/deployments`)).deployments,
    getDeployment: (id: string) =>
      json(DeploymentWithEvents, 'GET', `/deployments/${encodeURIComponent(id)}`),
    listReleases: async (name: string) => (await json(ReleaseList, 'GET', `${app(name)}/releases`)).releases,
    getEnv: async (name: string) => (await json(EnvList, 'GET', `${app(name)}/env`)).env,
    patchEnv: (name: string, patch: EnvPatch, key?: string) =>
      json(EnvChange, 'PATCH', `${app(name)}/env`, patch, idem(key)),
    scale: (name: string, request: ScaleRequest, key?: string) =>
      json(ScaleChange, 'POST', `${app(name)}/scale`, request, idem(key)),

    /** A deployment's events after sequence number `after` (0: all), then its end line. */
    async *deploymentEvents(
      id: string,
      follow = true,
      after = 0,
      signal?: AbortSignal,
    ): AsyncGenerator<DeploymentStreamLine> {
      const query = new URLSearchParams({
        follow: String(follow),
        ...(after > 0 && { after: String(after) }),
      });
      const res = await call(
        'GET',
        `/deployments/${encodeURIComponent(id)}/events?${query.toString()}`,
        undefined,
        {},
        {
          signal,
        },
      );
      for await (const line of lines(res, signal)) yield DeploymentStreamLine.parse(line);
    },

    /** Without `tail`, berthd picks it: 100 lines per replica, or 10,000 with since or grep. */
    async *logs(
      name: string,
      opts: {
        follow: boolean;
        tail?: number;
        since?: string;
        grep?: string;
        signal?: AbortSignal;
        health?: boolean;
      },
    ): AsyncGenerator<LogLine> {
      const query = new URLSearchParams({
        follow: String(opts.follow),
        ...(opts.tail !== undefined && { tail: String(opts.tail) }),
        ...(opts.since !== undefined && { since: opts.since }),
        ...(opts.grep !== undefined && { grep: opts.grep }),
        ...(opts.health === false && { health: 'false' }),
      });
      const res = await call(
        'GET',
        `${app(name)}/logs?${query.toString()}`,
        undefined,
        {},
        { signal: opts.signal },
      );
      for await (const line of lines(res, opts.signal)) yield LogLine.parse(line);
    },
  };
}
