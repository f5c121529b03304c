import {
  AppParams,
  DeployRequest,
  Deployment,
  DeploymentList,
  DeploymentParams,
  DeploymentStreamLine,
  DeploymentWithEvents,
  EventsQuery,
  RollbackRequest,
  RestartRequest,
  BerthError,
} from '@berth/protocol';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { scopeApp, mayReadLogs } from '../../access/authorize.js';
import { intentOf } from '../../audit/intent.js';
import type { RouteContext } from '../context.js';
import { idempotencyOf } from '../../deploy/service.js';
import { IdempotencyHeaders, ndjsonResponse, problemResponses, streamLimitResponse } from '../schemas.js';
import { streamDeploymentEvents } from '../streams.js';

export const deploymentRoutes =
  (ctx: RouteContext): FastifyPluginCallbackZod =>
  (app, _opts, done) => {
    app.post(
      '/apps/:app/deployments',
      {
        config: { access: { kind: 'app', permission: 'app:deploy' }, audit: 'deploy' },
        schema: {
          operationId: 'deployApp',
          tags: ['deployments'],
          summary:
            'Deploy: a new release from the app spec (optionally a new image), rolled out one replica at a time',
          params: AppParams,
          headers: IdempotencyHeaders,
          body: DeployRequest.nullish(),
          response: { 202: Deployment, ...problemResponses },
        },
      },
      async (request, reply) => {
        const body = request.body ?? {};
        const idem = idempotencyOf(request.headers, 'deploy', body);
        const d = await ctx.service.deploy(
          request.params.app,
          { image: body.image, ref: body.ref },
          idem,
          intentOf(request, `app:${request.params.app}`, {
            image: body.image ?? null,
            ref: body.ref ? `${body.ref.kind}:${body.ref.name}` : null,
          }),
        );
        request.audited = true;
        return reply.status(202).send(await ctx.deploymentView(d, mayReadLogs(request)));
      },
    );

    app.get(
      '/apps/:app/deployments',
      {
        config: { access: { kind: 'app', permission: 'app:read' } },
        schema: {
          operationId: 'listDeployments',
          tags: ['deployments'],
          params: AppParams,
          response: { 200: DeploymentList, ...problemResponses },
        },
      },
      async (request) => {
        const appRow = scopeApp(request);
        const rows = await ctx.store.deployments.list(appRow.id, 100);
        return {
          deployments: await Promise.all(rows.map((d) => ctx.deploymentView(d, mayReadLogs(request)))),
        };
      },
    );

    app.post(
      '/apps/:app/rollback',
      {
        config: { access: { kind: 'app', permission: 'app:deploy' }, audit: 'rollback' },
        schema: {
          operationId: 'rollbackApp',
          tags: ['deployments'],
          summary: 'Make the previous (or the given) release current again, rolled out like a deploy',
          params: AppParams,
          headers: IdempotencyHeaders,
          body: RollbackRequest.nullish(),
          response: { 202: Deployment, ...problemResponses },
        },
      },
      async (request, reply) => {
        const body = request.body ?? {};
        const idem = idempotencyOf(request.headers, 'rollback', body);
        const d = await ctx.service.rollback(
          request.params.app,
          body.toVersion,
          idem,
          intentOf(request, `app:${request.params.app}`, { toVersion: body.toVersion ?? null }),
        );
        request.audited = true;
        return reply.status(202).send(await ctx.deploymentView(d, mayReadLogs(request)));
      },
    );

    app.post(
      '/apps/:app/restart',
      {
        config: { access: { kind: 'app', permission: 'app:deploy', workloads: true }, audit: 'restart' },
        schema: {
          operationId: 'restartApp',
          tags: ['deployments'],
          summary:
            'New containers of the current release, one replica at a time, health-gated like a deploy (the release stays the same)',
          params: AppParams,
          headers: IdempotencyHeaders,
          body: RestartRequest.nullish(),
          response: { 202: Deployment, ...problemResponses },
        },
      },
      async (request, reply) => {
        const idem = idempotencyOf(request.headers, 'restart', {});
        const d = await ctx.service.restart(
          request.params.app,
          idem,
          intentOf(request, `app:${request.params.app}`),
        );
        request.audited = true;
        return reply.status(202).send(await ctx.deploymentView(d, mayReadLogs(request)));
      },
    );

    app.get(
      '/deployments/:id',
      {
        config: { access: { kind: 'deployment', permission: 'app:read' } },
        schema: {
          operationId: 'getDeployment',
          tags: ['deployments'],
          params: DeploymentParams,
          response: { 200: DeploymentWithEvents, ...problemResponses },
        },
      },
      async (request) => {
        const d = await requireDeployment(ctx, request.params.id);
        const events = await ctx.store.events.list(d.id, 0);
        return {
          ...(await ctx.deploymentView(d, mayReadLogs(request))),
          events: events.map((e) => ({
            seq: e.seq,
            at: new Date(e.at).toISOString(),
            level: e.level,
            message: e.message,
          })),
        };
      },
    );

    app.get(
      '/deployments/:id/events',
      {
        config: { access: { kind: 'deployment', permission: 'app:read' }, stream: 'deployment-events' },
        schema: {
          operationId: 'streamDeploymentEvents',
          tags: ['deployments'],
          summary: 'NDJSON stream: {"type":"event",…} lines, then one {"type":"end","deployment":…} line',
          params: DeploymentParams,
          querystring: EventsQuery,
          response: {
            200: ndjsonResponse('Event lines, then one end line with the deployment', DeploymentStreamLine),
            ...problemResponses,
            ...streamLimitResponse,
          },
        },
      },
      async (request, reply) => {
        const d = await requireDeployment(ctx, request.params.id);
        const follow = request.query.follow === 'true' || request.query.follow === '1';
        const after = request.query.after ?? 0;
        return streamDeploymentEvents(ctx, d.id, { follow, after }, request, reply);
      },
    );
    done();
  };

async function requireDeployment(ctx: RouteContext, id: string) {
  const d = await ctx.store.deployments.get(id);
  if (!d) throw new BerthError('DEPLOYMENT_NOT_FOUND', `There is no deployment ${id}`);
  return d;
}
