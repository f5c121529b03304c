import { AppParams, BerthError, ExecQuery } from '@berth/protocol';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { relayExec } from '../exec-relay.js';
import type { RouteContext } from '../context.js';
import { problemResponse, problemResponses, streamLimitResponse } from '../schemas.js';

/**
 * `berth exec`: a WebSocket (GET, upgraded) relaying one command's stdin, output and exit code
 * (the frames are described in @berth/protocol's exec.ts). Authenticated, authorized, validated
 * and capped like any request before the upgrade, so a refusal is a problem+json answer; the
 * same GET without the upgrade is 426.
 */
export const execRoutes =
  (ctx: RouteContext): FastifyPluginCallbackZod =>
  (app, _opts, done) => {
    app.route({
      method: 'GET',
      url: '/apps/:app/exec',
      config: { access: { kind: 'app', permission: 'app:deploy' }, audit: 'app.exec', stream: 'exec' },
      schema: {
        operationId: 'execApp',
        tags: ['runtime'],
        summary:
          'WebSocket (upgrade this GET): a command in a running replica; binary frames carry stdin and output, text frames eof, resize, started, exit and errors',
        params: AppParams,
        querystring: ExecQuery,
        response: {
          101: z.null().describe('Switching Protocols: the session runs over the WebSocket (no body)'),
          426: problemResponse('Not a WebSocket upgrade (UPGRADE_REQUIRED)'),
          ...problemResponses,
          ...streamLimitResponse,
        },
      },
      handler: () =>
        Promise.reject(
          new BerthError('UPGRADE_REQUIRED', 'berth exec runs over a WebSocket: upgrade this request', {
            hint: 'Use `berth exec APP -- CMD`',
          }),
        ),
      wsHandler: (socket, request) => relayExec(ctx, request, socket, request.query),
    });
    done();
  };
