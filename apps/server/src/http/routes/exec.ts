import { AppParams, ExecQuery } from '@berth/protocol';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { relayExec } from '../exec-relay.js';
import type { RouteContext } from '../context.js';

/**
 * `berth exec`: a WebSocket (GET, upgraded) relaying one command's stdin, output and exit code
 * (the frames are described in @berth/protocol's exec.ts). Authenticated, authorized, validated
 * and capped like any request before the upgrade, so a refusal is a problem+json answer.
 * WebSocket routes stay out of the OpenAPI spec, like the agent's link.
 */
export const execRoutes =
  (ctx: RouteContext): FastifyPluginCallbackZod =>
  (app, _opts, done) => {
    app.get(
      '/apps/:app/exec',
      {
        websocket: true,
        config: { access: { kind: 'app', permission: 'app:deploy' }, audit: 'app.exec', stream: 'exec' },
        schema: { params: AppParams, querystring: ExecQuery },
      },
      (socket, request) => relayExec(ctx, request, socket, request.query),
    );
    done();
  };
