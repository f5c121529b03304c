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
  const app = (name: string) => ({ path: { app: name } });

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
    createApp: (input: AppCreate) => json(App, 'POST', '/apps', { body: input }),
    getApp: (name: string) => json(App, 'GET', '/apps/{app}', app(name)),
    updateApp: (name: string, patch: AppUpdate) =>
      json(App, 'PATCH', '/apps/{app}', { ...app(name), body: patch }),
    deleteApp: async (name: string) => {
      await call('DELETE', '/apps/{app}', app(name));
    },
    deploy: (name: string, image?: string, key?: string) =>
      json(Deployment, 'POST', '/apps/{app}/deployments', {
        ...app(name),
        body: image ? { image } : {},
        headers: idem(key),
      }),
    rollback: (name: string, toVersion?: number, key?: string) =>
      json(Deployment, 'POST', '/apps/{app}/rollback', {
        ...app(name),
        body: toVersion ? { toVersion } : {},
        headers: idem(key),
      }),
    restart: (name: string, key?: string) =>
      json(Deployment, 'POST', '/apps/{app}/restart', { ...app(name), body: {}, headers: idem(key) }),
    listDeployments: async (name: string) =>
      (await json(DeploymentList, 'GET', '/apps/{app}/deployments', app(name))).deployments,
    getDeployment: (id: string) => json(DeploymentWithEvents, 'GET', '/deployments/{id}', { path: { id } }),
    listReleases: async (name: string) =>
      (await json(ReleaseList, 'GET', '/apps/{app}/releases', app(name))).releases,
    getEnv: async (name: string) => (await json(EnvList, 'GET', '/apps/{app}/env', app(name))).env,
    patchEnv: (name: string, patch: EnvPatch, key?: string) =>
      json(EnvChange, 'PATCH', '/apps/{app}/env', { ...app(name), body: patch, headers: idem(key) }),
    scale: (name: string, request: ScaleRequest, key?: string) =>
      json(ScaleChange, 'POST', '/apps/{app}/scale', { ...app(name), body: request, headers: idem(key) }),

    /** A deployment's events after sequence number `after` (0: all), then its end line. */
    async *deploymentEvents(
      id: string,
      follow = true,
      after = 0,
      signal?: AbortSignal,
    ): AsyncGenerator<DeploymentStreamLine> {
      const res = await call('GET', '/deployments/{id}/events', {
        path: { id },
        query: { follow: follow ? 'true' : 'false', ...(after > 0 && { after }) },
        stream: { signal },
      });
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
      const res = await call('GET', '/apps/{app}/logs', {
        ...app(name),
        query: {
          follow: opts.follow ? 'true' : 'false',
          tail: opts.tail,
          since: opts.since,
          grep: opts.grep,
          ...(opts.health === false && { health: 'false' }),
        },
        stream: { signal: opts.signal },
      });
      for await (const line of lines(res, opts.signal)) yield LogLine.parse(line);
    },
  };
}
