import {
  Database,
  DatabaseCreate,
  DatabaseLinkParams,
  DatabaseLinkRequest,
  DatabaseLinkResult,
  DatabaseList,
  DatabaseParams,
  BerthError,
  TeamQuery,
} from '@berth/protocol';
import type { TeamRow } from '@berth/store';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { scopeOf, scopeTeam } from '../../access/authorize.js';
import { teamsWith } from '../../access/policy.js';
import { intentOf } from '../../audit/intent.js';
import type { ServerConfig } from '../../config.js';
import type { RouteContext } from '../context.js';
import { problemResponse, problemResponses } from '../schemas.js';

const agentResponses = {
  503: problemResponse("AGENT_UNAVAILABLE: the database's server's agent is not connected"),
  504: problemResponse('AGENT_TIMEOUT: the agent did not answer in time'),
};

/**
 * A team's managed databases: `berth db create|list|show|link|unlink|delete` (`db shell` is an
 * exec into its workload). Scoped like volumes: created and linked in the team of the body (or
 * the caller's), read and changed in the team of `?team=` (or the caller's); another team's database
 * is not there for the caller (404). Linking puts a secret into an app: `secret:write`.
 */
export const databaseRoutes =
  (ctx: RouteContext): FastifyPluginCallbackZod =>
  (app, _opts, done) => {
    const view = (row: Parameters<typeof ctx.databases.view>[0], team: TeamRow) =>
      ctx.databases.view(row, team, (a) => ctx.appView(a));

    app.get(
      '/databases',
      {
        config: { access: { kind: 'authenticated' } },
        schema: {
          operationId: 'listDatabases',
          tags: ['databases'],
          summary: 'The databases of the teams the caller may read (of one team with ?team=)',
          querystring: TeamQuery,
          response: { 200: DatabaseList, ...problemResponses },
        },
      },
      async (request) => {
        const teams: TeamRow[] = [];
        for (const id of teamsWith(scopeOf(request).principal, 'app:read')) {
          const team = await ctx.store.teams.get(id);
          if (team && (request.query.team === undefined || team.name === request.query.team))
            teams.push(team);
        }
        return { databases: await ctx.databases.list(teams, (a) => ctx.appView(a)) };
      },
    );

    app.post(
      '/databases',
      {
        config: {
          access: { kind: 'team', permission: 'app:write', source: 'body' },
          audit: 'database.create',
        },
        schema: {
          operationId: 'createDatabase',
          tags: ['databases'],
          summary:
            'Create a managed database (its volume, credentials and workload) and start it on its server',
          body: DatabaseCreate,
          response: { 201: Database, ...problemResponses },
        },
      },
      async (request, reply) => {
        const team = scopeTeam(request);
        refuseBerthPort(ctx.config, request.body.publicPort);
        const row = await ctx.databases.create(
          request.body,
          team,
          intentOf(request, `database:${request.body.name}`),
        );
        request.audited = true;
        return reply.status(201).send(await view(row, team));
      },
    );

    app.get(
      '/databases/:name',
      {
        config: { access: { kind: 'team', permission: 'app:read', source: 'query' } },
        schema: {
          operationId: 'getDatabase',
          tags: ['databases'],
          params: DatabaseParams,
          querystring: TeamQuery,
          response: { 200: Database, ...problemResponses },
        },
      },
      async (request) => {
        const team = scopeTeam(request);
        const row = await ctx.databases.get(team, request.params.name);
        const [shown, sizeBytes] = await Promise.all([view(row, team), ctx.databases.sizeOf(row)]);
        return { ...shown, sizeBytes };
      },
    );

    app.post(
      '/databases/:name/links',
      {
        config: {
          access: { kind: 'team', permission: 'secret:write', source: 'body' },
          audit: 'database.link',
        },
        schema: {
          operationId: 'linkDatabase',
          tags: ['databases'],
          summary: "Give an app the database's URL as a secret (DATABASE_URL by default), rolled out",
          params: DatabaseParams,
          body: DatabaseLinkRequest,
          response: { 200: DatabaseLinkResult, ...problemResponses },
        },
      },
      async (request) => {
        const result = await ctx.databases.link(
          scopeTeam(request),
          request.params.name,
          request.body,
          intentOf(request, `database:${request.params.name}`),
        );
        request.audited = true;
        return result;
      },
    );

    app.delete(
      '/databases/:name/links/:app',
      {
        config: {
          access: { kind: 'team', permission: 'secret:write', source: 'query' },
          audit: 'database.unlink',
        },
        schema: {
          operationId: 'unlinkDatabase',
          tags: ['databases'],
          summary: "Take the database's URL secret out of the app, rolled out",
          params: DatabaseLinkParams,
          querystring: TeamQuery,
          response: { 200: DatabaseLinkResult, ...problemResponses },
        },
      },
      async (request) => {
        const result = await ctx.databases.unlink(
          scopeTeam(request),
          request.params.name,
          request.params.app,
          intentOf(request, `database:${request.params.name}`),
        );
        request.audited = true;
        return result;
      },
    );

    app.delete(
      '/databases/:name',
      {
        config: {
          access: { kind: 'team', permission: 'app:write', source: 'query' },
          audit: 'database.delete',
        },
        schema: {
          operationId: 'deleteDatabase',
          tags: ['databases'],
          summary: 'Delete a database, its workload and its volume (its data); refused while apps are linked',
          params: DatabaseParams,
          querystring: TeamQuery,
          response: { 204: z.null().describe('Deleted'), ...problemResponses, ...agentResponses },
        },
      },
      async (request, reply) => {
        const name = request.params.name;
        await ctx.databases.delete(scopeTeam(request), name, intentOf(request, `database:${name}`), {
          ...intentOf(request, `volume:db-${name}`),
          action: 'volume.delete',
        });
        request.audited = true;
        return reply.status(204).send(null);
      },
    );
    done();
  };

/** A public port Berth itself listens on (its API, the edge, the fleet registry) is not a database's. */
function refuseBerthPort(
  config: Pick<ServerConfig, 'listenPort' | 'httpPort' | 'registryListen'>,
  port: number | undefined,
): void {
  if (port === undefined) return;
  const registry = config.registryListen === null ? null : Number(config.registryListen.split(':').pop());
  const owner =
    port === config.listenPort
      ? "berthd's API"
      : port === config.httpPort || port === 443
        ? 'the edge'
        : port === registry
          ? "the fleet's image registry"
          : null;
  if (owner !== null)
    throw new BerthError('VALIDATION_FAILED', `Invalid publicPort: ${port} is ${owner}'s`, {
      issues: [{ path: 'publicPort', message: `${port} is ${owner}'s port: pick another` }],
    });
}
