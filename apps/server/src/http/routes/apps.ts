import { App, AppCreate, AppList, AppParams, AppUpdate } from '@berth/protocol';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RouteContext } from '../context.js';
import { problemResponses } from '../schemas.js';

export const appRoutes =
  (ctx: RouteContext): FastifyPluginCallbackZod =>
  (app, _opts, done) => {
    app.get(
      '/apps',
      {
        config: { permission: 'app:read' },
        schema: { operationId: 'listApps', tags: ['apps'], response: { 200: AppList, ...problemResponses } },
      },
      async () => ({ apps: await Promise.all((await ctx.store.apps.list()).map((a) => ctx.appView(a))) }),
    );

    app.post(
      '/apps',
      {
        config: { permission: 'app:write' },
        schema: {
          operationId: 'createApp',
          tags: ['apps'],
          summary: 'Create an app (nothing runs until its first deploy)',
          body: AppCreate,
          response: { 201: App, ...problemResponses },
        },
      },
      async (request, reply) => {
        const row = await ctx.service.createApp(request.body, { projectId: ctx.defaults.projectId });
        return reply.status(201).send(await ctx.appView(row));
      },
    );

    app.get(
      '/apps/:app',
      {
        config: { permission: 'app:read' },
        schema: {
          operationId: 'getApp',
          tags: ['apps'],
          params: AppParams,
          response: { 200: App, ...problemResponses },
        },
      },
      async (request) => ctx.appView(await ctx.service.getApp(request.params.app)),
    );

    app.patch(
      '/apps/:app',
      {
        config: { permission: 'app:write' },
        schema: {
          operationId: 'updateApp',
          tags: ['apps'],
          summary: "Change the app's spec; takes effect with the next deploy",
          params: AppParams,
          body: AppUpdate,
          response: { 200: App, ...problemResponses },
        },
      },
      async (request) => ctx.appView(await ctx.service.updateApp(request.params.app, request.body)),
    );

    app.delete(
      '/apps/:app',
      {
        config: { permission: 'app:write' },
        schema: {
          operationId: 'deleteApp',
          tags: ['apps'],
          summary: 'Delete an app; its containers are removed and its route goes away',
          params: AppParams,
          response: { 204: z.null().describe('Deleted'), ...problemResponses },
        },
      },
      async (request, reply) => {
        await ctx.service.deleteApp(request.params.app);
        return reply.status(204).send(null);
      },
    );
    done();
  };
