import {
  AppParams,
  EnvChange,
  EnvList,
  EnvPatch,
  ScaleRequest,
  LogLine,
  LOG_TAIL_MAX,
  LogsQuery,
  ReleaseList,
  ScaleChange,
} from '@berth/protocol';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { scopeApp, mayReadLogs } from '../../access/authorize.js';
import { intentOf } from '../../audit/intent.js';
import type { RouteContext } from '../context.js';
import { idempotencyOf } from '../../deploy/service.js';
import {
  IdempotencyHeaders,
  ndjsonResponse,
  problemResponse,
  problemResponses,
  streamLimitResponse,
} from '../schemas.js';
import { logFilterOf, streamLogs } from '../streams.js';
import { toReleaseView } from '../views.js';

/** Env, scale, releases and logs: everything about an app's running configuration. */
export const appConfigRoutes =
  (ctx: RouteContext): FastifyPluginCallbackZod =>
  (app, _opts, done) => {
    app.get(
      '/apps/:app/env',
      {
        config: { access: { kind: 'app', permission: 'app:read' } },
        schema: {
          operationId: 'getEnv',
          tags: ['env'],
          params: AppParams,
          response: { 200: EnvList, ...problemResponses },
        },
      },
      (request) => ({ env: scopeApp(request).env }),
    );

    app.patch(
      '/apps/:app/env',
      {
        config: { access: { kind: 'app', permission: 'app:deploy' }, audit: 'env.change' },
        schema: {
          operationId: 'patchEnv',
          tags: ['env'],
          summary: 'Set and unset variables; a deployed app gets a new release, rolled out like a deploy',
          params: AppParams,
          headers: IdempotencyHeaders,
          body: EnvPatch,
          response: { 200: EnvChange, ...problemResponses },
        },
      },
      async (request) => {
        const idem = idempotencyOf(request.headers, 'env', request.body);
        const keys = [...Object.keys(request.body.set ?? {}), ...(request.body.unset ?? [])].join(',');
        const { app: row, deployment } = await ctx.service.patchEnv(
          request.params.app,
          request.body,
          idem,
          intentOf(request, `app:${request.params.app}`, { keys }),
        );
        request.audited = true;
        return {
          env: row.env,
          deployment: deployment ? await ctx.deploymentView(deployment, mayReadLogs(request)) : null,
        };
      },
    );

    app.post(
      '/apps/:app/scale',
      {
        config: { access: { kind: 'app', permission: 'app:deploy' }, audit: 'scale' },
        schema: {
          operationId: 'scaleApp',
          tags: ['env'],
          summary:
            'Change the number of replicas and/or their CPU, memory and pids limits; new limits roll out as a new release',
          params: AppParams,
          headers: IdempotencyHeaders,
          body: ScaleRequest,
          response: { 200: ScaleChange, ...problemResponses },
        },
      },
      async (request) => {
        const idem = idempotencyOf(request.headers, 'scale', request.body);
        const { replicas, limits } = request.body;
        const { app: row, deployment } = await ctx.service.scale(
          request.params.app,
          request.body,
          idem,
          intentOf(request, `app:${request.params.app}`, {
            ...(replicas !== undefined && { replicas }),
            ...(limits?.cpu !== undefined && { cpu: limits.cpu }),
            ...(limits?.memoryMiB !== undefined && { memoryMiB: limits.memoryMiB }),
            ...(limits?.pids !== undefined && { pids: limits.pids }),
          }),
        );
        request.audited = true;
        return {
          replicas: deployment ? deployment.replicas : row.replicas,
          limits: row.limits,
          deployment: deployment ? await ctx.deploymentView(deployment, mayReadLogs(request)) : null,
        };
      },
    );

    app.get(
      '/apps/:app/releases',
      {
        config: { access: { kind: 'app', permission: 'app:read' } },
        schema: {
          operationId: 'listReleases',
          tags: ['releases'],
          params: AppParams,
          response: { 200: ReleaseList, ...problemResponses },
        },
      },
      async (request) => {
        const row = scopeApp(request);
        const releases = await ctx.store.releases.list(row.id);
        return { releases: releases.map((r) => toReleaseView(r, row.currentReleaseId)) };
      },
    );

    app.get(
      '/apps/:app/logs',
      {
        config: { access: { kind: 'app', permission: 'app:logs' }, stream: 'logs' },
        schema: {
          operationId: 'streamLogs',
          tags: ['logs'],
          summary: 'NDJSON stream of log lines ({at, replica, stream, line}) of every replica',
          params: AppParams,
          querystring: LogsQuery,
          response: {
            200: ndjsonResponse('One log line per line, oldest first', LogLine),
            ...problemResponses,
            ...streamLimitResponse,
            503: problemResponse('No agent is connected to stream logs from'),
          },
        },
      },
      async (request, reply) => {
        const row = scopeApp(request);
        const follow = request.query.follow === 'true' || request.query.follow === '1';
        const filter = logFilterOf(request.query, ctx.clock());
        const health = request.query.health !== 'false' && request.query.health !== '0';
        // Filtering reads further back by default: `--grep error` means every error line, not
        // those among the last 100.
        const tail = request.query.tail ?? (filter.since || filter.grep ? LOG_TAIL_MAX : 100);
        return streamLogs(
          ctx,
          { appId: row.id, tail, follow, ...filter, ...(!health && { health }) },
          request,
          reply,
        );
      },
    );
    done();
  };
