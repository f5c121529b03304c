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
  ServerList,
  Health,
  ScaleChange,
  type AppCreate,
  type AppUpdate,
  type EnvPatch,
  type ScaleRequest,
} from '@berth/protocol';
import { buildsApi } from './client-builds.js';
import { trustApi } from './client-trust.js';
import { readNdjson } from './ndjson.js';
import { createTransport, type ClientOptions } from './transport.js';

/**
 * A typed client of the Berth HTTP API, for the CLI (and later the dashboard and MCP). Every
 * response is validated against the protocol's schemas, so a drifting server fails loudly here.
 */

export type BerthClient = ReturnType<typeof createClient>;

export function createClient(options: ClientOptions) {
  const transport = createTransport(options);
  const { call, json } = transport;

  const idem = (key: string | undefined): Record<string, string> => (key ? { 'idempotency-key': key } : {});
  const app = (name: string): string => `/apps/${encodeURIComponent(name)}`;

  return {
    ...trustApi(transport),
    ...buildsApi(transport),
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
    listServers: async () => (await json(ServerList, 'GET', '/servers')).servers,

    async *deploymentEvents(id: string, follow = true): AsyncGenerator<DeploymentStreamLine> {
      const res = await call(
        'GET',
        `/deployments/${encodeURIComponent(id)}/events?follow=${follow}`,
        undefined,
        {},
        {},
      );
      if (!res.body) return;
      for await (const line of readNdjson(res.body)) yield DeploymentStreamLine.parse(line);
    },

    async *logs(
      name: string,
      opts: { follow: boolean; tail: number; signal?: AbortSignal; health?: boolean },
    ): AsyncGenerator<LogLine> {
      const health = opts.health === false ? '&health=false' : '';
      const res = await call(
        'GET',
        `${app(name)}/logs?follow=${opts.follow}&tail=${opts.tail}${health}`,
        undefined,
        {},
        { signal: opts.signal },
      );
      if (!res.body) return;
      for await (const line of readNdjson(res.body)) yield LogLine.parse(line);
    },
  };
}
