import { Health } from '@berth/protocol';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import type { RouteContext } from '../context.js';

export const VERSION = '0.1.0';

export const systemRoutes =
  (_ctx: RouteContext): FastifyPluginCallbackZod =>
  (app, _opts, done) => {
    app.get(
      '/health',
      {
        config: { access: { kind: 'public' } },
        schema: { operationId: 'health', tags: ['system'], security: [], response: { 200: Health } },
      },
      () => ({ status: 'ok' as const, version: VERSION }),
    );
    done();
  };
