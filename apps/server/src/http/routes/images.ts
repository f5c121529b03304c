import {
  BerthError,
  ImagesBootstrapRequest,
  ImagesBootstrapStreamLine,
  type ImagesBootstrapStreamLine as StreamLine,
} from '@berth/protocol';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { recordDone, intentOf } from '../../audit/intent.js';
import type { RouteContext } from '../context.js';
import { ndjsonResponse, problemResponses } from '../schemas.js';
import { ndjson } from '../streams.js';

export const imageRoutes =
  (ctx: RouteContext): FastifyPluginCallbackZod =>
  (app, _opts, done) => {
    app.post(
      '/images/bootstrap',
      {
        config: { access: { kind: 'installation' }, audit: 'images.bootstrap' },
        schema: {
          operationId: 'bootstrapImages',
          tags: ['images'],
          summary:
            'Build the base images of detected builds on the server, from Debian packages (for hosts without a registry). NDJSON progress, then the result',
          body: ImagesBootstrapRequest.nullish(),
          response: {
            200: ndjsonResponse('Progress lines, then one end (or error) line', ImagesBootstrapStreamLine),
            ...problemResponses,
          },
        },
      },
      async (request, reply) => {
        const body = request.body ?? {};
        // Recorded before it starts: it runs for minutes, and the stream's outcome is its own.
        await ctx.store.transaction((tx) =>
          recordDone(
            tx,
            intentOf(request, 'images', { only: (body.only ?? []).join(',') || 'all' }),
            ctx.clock(),
          ),
        );
        request.audited = true;
        const { out, gone } = ndjson(request, reply);
        const write = (l: StreamLine): boolean => out.write(`${JSON.stringify(l)}\n`);
        try {
          const result = await ctx.agents.bootstrapImages(
            body,
            (lines) => lines.forEach((l) => write({ type: 'line', line: l.line })),
            gone,
          );
          write({ type: 'end', result });
        } catch (err) {
          const e = err instanceof BerthError ? err : new BerthError('INTERNAL', String(err));
          write({
            type: 'error',
            error: { code: e.code, message: e.message, ...(e.hint && { hint: e.hint }) },
          });
        } finally {
          out.end();
        }
        return reply;
      },
    );
    done();
  };
