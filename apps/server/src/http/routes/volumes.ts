import { TeamQuery, Volume, VolumeCreate, VolumeList, VolumeParams } from '@berth/protocol';
import type { TeamRow } from '@berth/store';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { scopeOf, scopeTeam } from '../../access/authorize.js';
import { teamsWith } from '../../access/policy.js';
import { intentOf } from '../../audit/intent.js';
import type { RouteContext } from '../context.js';
import { problemResponse, problemResponses } from '../schemas.js';

const agentResponses = {
  503: problemResponse(
    "AGENT_UNAVAILABLE: the volume's server's agent is not connected (nothing was deleted)",
  ),
  504: problemResponse('AGENT_TIMEOUT: the agent did not answer in time'),
};

/**
 * A team's volumes: `berth volumes create|list|delete`. Scoped like apps: created in the team of
 * the body (or the caller's), listed for the teams the caller may read, deleted in the team of
 * `?team=` (or the caller's); a volume of another team is not there for the caller (404).
 */
export const volumeRoutes =
  (ctx: RouteContext): FastifyPluginCallbackZod =>
  (app, _opts, done) => {
    app.get(
      '/volumes',
      {
        config: { access: { kind: 'authenticated' } },
        schema: {
          operationId: 'listVolumes',
          tags: ['volumes'],
          response: { 200: VolumeList, ...problemResponses },
        },
      },
      async (request) => {
        const ids = teamsWith(scopeOf(request).principal, 'app:read');
        const teams: TeamRow[] = [];
        for (const id of ids) {
          const team = await ctx.store.teams.get(id);
          if (team) teams.push(team);
        }
        return { volumes: await ctx.volumes.list(teams) };
      },
    );

    app.post(
      '/volumes',
      {
        config: { access: { kind: 'team', permission: 'app:write', source: 'body' }, audit: 'volume.create' },
        schema: {
          operationId: 'createVolume',
          tags: ['volumes'],
          summary: 'Create a volume on one server (default: the local one); apps that mount it run there',
          body: VolumeCreate,
          response: { 201: Volume, ...problemResponses },
        },
      },
      async (request, reply) => {
        const team = scopeTeam(request);
        const row = await ctx.volumes.create(
          request.body,
          team,
          intentOf(request, `volume:${request.body.name}`),
        );
        request.audited = true;
        return reply.status(201).send(await ctx.volumes.view(row, team.name));
      },
    );

    app.delete(
      '/volumes/:name',
      {
        config: {
          access: { kind: 'team', permission: 'app:write', source: 'query' },
          audit: 'volume.delete',
        },
        schema: {
          operationId: 'deleteVolume',
          tags: ['volumes'],
          summary: 'Delete a volume and its data; refused while an app mounts it',
          params: VolumeParams,
          querystring: TeamQuery,
          response: { 204: z.null().describe('Deleted'), ...problemResponses, ...agentResponses },
        },
      },
      async (request, reply) => {
        await ctx.volumes.delete(
          scopeTeam(request),
          request.params.name,
          intentOf(request, `volume:${request.params.name}`),
        );
        request.audited = true;
        return reply.status(204).send(null);
      },
    );
    done();
  };
