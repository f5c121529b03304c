import {
  App,
  AppList,
  Deployment,
  DeploymentList,
  DeploymentStreamLine,
  DeploymentWithEvents,
  EnvList,
  LogLine,
  ReleaseList,
  ServerList,
  Health,
  isErrorCode,
  type AppCreate,
  type AppUpdate,
  type EnvPatch,
  type ErrorCode,
  type FieldIssue,
} from '@berth/protocol';
import { z } from 'zod';
import { readNdjson } from './ndjson.js';

/**
 * A typed client of the Berth HTTP API, for the CLI (and later the dashboard and MCP). Every
 * response is validated against the protocol's schemas, so a drifting server fails loudly here.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'UNREACHABLE',
    message: string,
    readonly hint: string | undefined,
    readonly issues: FieldIssue[],
    readonly requestId: string | undefined,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ClientOptions {
  url: string;
  token: string | null;
  /** Per-request timeout for non-streaming calls. */
  timeoutMs?: number;
}

const EnvChange = z.object({ env: z.record(z.string(), z.string()), deployment: Deployment.nullable() });
const ScaleChange = z.object({ replicas: z.number().int(), deployment: Deployment.nullable() });

export type BerthClient = ReturnType<typeof createClient>;

export function createClient({ url, token, timeoutMs = 30_000 }: ClientOptions) {
  const base = url.replace(/\/+$/, '');

  async function call(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    stream: { signal?: AbortSignal | undefined } | null = null,
  ): Promise<Response> {
    const init: RequestInit = {
      method,
      headers: {
        accept: 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: stream ? (stream.signal ?? null) : AbortSignal.timeout(timeoutMs),
    };
    let res: Response;
    try {
      res = await fetch(`${base}/api/v1${path}`, init);
    } catch (err) {
      if (stream?.signal?.aborted) throw err;
      const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
      throw new ApiError(
        0,
        'UNREACHABLE',
        `Cannot reach berthd at ${base} (${cause})`,
        'Is `berth up` running? Check BERTH_URL or --url',
        [],
        undefined,
      );
    }
    if (!res.ok) throw await toApiError(res);
    return res;
  }

  async function json<S extends z.ZodType>(
    schema: S,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<z.infer<S>> {
    const res = await call(method, path, body, headers);
    return schema.parse(await res.json());
  }

  const idem = (key: string | undefined): Record<string, string> => (key ? { 'idempotency-key': key } : {});
  const app = (name: string): string => `/apps/${encodeURIComponent(name)}`;

  return {
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
    listDeployments: async (name: string) =>
      (await json(DeploymentList, 'GET', `${app(name)}/deployments`)).deployments,
    getDeployment: (id: string) =>
      json(DeploymentWithEvents, 'GET', `/deployments/${encodeURIComponent(id)}`),
    listReleases: async (name: string) => (await json(ReleaseList, 'GET', `${app(name)}/releases`)).releases,
    getEnv: async (name: string) => (await json(EnvList, 'GET', `${app(name)}/env`)).env,
    patchEnv: (name: string, patch: EnvPatch, key?: string) =>
      json(EnvChange, 'PATCH', `${app(name)}/env`, patch, idem(key)),
    scale: (name: string, replicas: number, key?: string) =>
      json(ScaleChange, 'POST', `${app(name)}/scale`, { replicas }, idem(key)),
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
      opts: { follow: boolean; tail: number; signal?: AbortSignal },
    ): AsyncGenerator<LogLine> {
      const res = await call(
        'GET',
        `${app(name)}/logs?follow=${opts.follow}&tail=${opts.tail}`,
        undefined,
        {},
        { signal: opts.signal },
      );
      if (!res.body) return;
      for await (const line of readNdjson(res.body)) yield LogLine.parse(line);
    },
  };
}

async function toApiError(res: Response): Promise<ApiError> {
  const text = await res.text();
  let body: { code?: unknown; detail?: unknown; hint?: unknown; errors?: unknown; requestId?: unknown } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // Not problem+json: something other than berthd answered.
  }
  const code = isErrorCode(body.code) ? body.code : 'INTERNAL';
  const message = typeof body.detail === 'string' ? body.detail : `HTTP ${res.status}: ${text.slice(0, 200)}`;
  return new ApiError(
    res.status,
    code,
    message,
    typeof body.hint === 'string' ? body.hint : undefined,
    Array.isArray(body.errors) ? (body.errors as FieldIssue[]) : [],
    typeof body.requestId === 'string' ? body.requestId : undefined,
  );
}
