import { ProxyHistory, ProxyRollbackAnswer, ProxyRollbackRequest, ServerParams } from '@berth/protocol';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { findServer } from '../../fleet/servers.js';
import type { RouteContext } from '../context.js';
import { problemResponse, problemResponses } from '../schemas.js';

const agentResponses = {
  409: problemResponse(
    "PROXY_NO_HISTORY: the server's edge is Caddy, whose config never changes (only nginx keeps versions)",
  ),
  503: problemResponse("AGENT_UNAVAILABLE: the server's agent is not connected"),
  504: problemResponse('AGENT_TIMEOUT: the agent did not answer in time'),
};

/**
 * A server's edge config versions (`berth proxy history/rollback`), relayed to its agent. The
 * edge serves every team's apps, so only installation owners and admins see or change it.
 */
export const proxyRoutes =
  (ctx: RouteContext): FastifyPluginCallbackZod =>
  (app, _opts, done) => {
    app.get(
      '/servers/:name/proxy/history',
      {
        config: { access: { kind: 'installation' } },
        schema: {
          operationId: 'getProxyHistory',
          tags: ['servers'],
          summary: "The config versions the server's nginx edge keeps (number, hash, time, cause, current)",
          params: ServerParams,
          response: { 200: ProxyHistory, ...problemResponses, ...agentResponses },
        },
      },
      async (request) => {
        const server = await findServer(ctx.store, request.params.name);
        return { server: server.name, versions: await ctx.agents.proxyHistory(server) };
      },
    );

    app.post(
      '/servers/:name/proxy/rollback',
      {
        config: { access: { kind: 'installation' }, audit: 'proxy.rollback' },
        schema: {
          operationId: 'rollbackProxy',
          tags: ['servers'],
          summary:
            "Serve an earlier config version of the server's nginx edge again (checked by nginx -t, as a new version)",
          params: ServerParams,
          body: ProxyRollbackRequest,
          response: { 200: ProxyRollbackAnswer, ...problemResponses, ...agentResponses },
        },
      },
      async (request) => {
        const server = await findServer(ctx.store, request.params.name);
        return {
          server: server.name,
          version: await ctx.agents.proxyRollback(server, request.body.version),
        };
      },
    );
    done();
  };
