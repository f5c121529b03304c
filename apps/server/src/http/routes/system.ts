import { Health, ServerList } from '@berth/protocol';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import type { RouteContext } from '../context.js';
import { problemResponses } from '../schemas.js';

export const VERSION = '0.1.0';

export const systemRoutes =
  (ctx: RouteContext): FastifyPluginCallbackZod =>
  (app, _opts, done) => {
    app.get(
      '/health',
      {
        config: { access: { kind: 'public' } },
        schema: { operationId: 'health', tags: ['system'], security: [], response: { 200: Health } },
      },
      () => ({ status: 'ok' as const, version: VERSION }),
    );

    app.get(
      '/servers',
      {
        config: { access: { kind: 'authenticated' } },
        schema: {
          operationId: 'listServers',
          tags: ['system'],
          response: { 200: ServerList, ...problemResponses },
        },
      },
      async () => ({
        servers: (await ctx.store.servers.list()).map((s) => ({
          id: s.id,
          name: s.name,
          status: ctx.agents.isOnline(s.id) ? ('online' as const) : ('offline' as const),
          lastSeenAt: s.lastSeenAt === null ? null : new Date(s.lastSeenAt).toISOString(),
        })),
      }),
    );
    done();
  };
