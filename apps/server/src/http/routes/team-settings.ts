import { BerthError, LocalImagesRequest, Team, TeamParams, TeamSettingsPatch } from '@berth/protocol';
import type { Repos, TeamSettingsRow } from '@berth/store';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { scopeTeam } from '../../access/authorize.js';
import { intentOf, recordDone } from '../../audit/intent.js';
import { toTeamView } from '../../identity/teams.js';
import type { RouteContext } from '../context.js';
import { problemResponses } from '../schemas.js';

/**
 * A team and its settings. Installation owners reach every team here; a team's owners and
 * admins may change how its builds reach the network, and only installation owners decide
 * whether a team may deploy the host's own images.
 */
export const teamSettingsRoutes =
  (ctx: RouteContext): FastifyPluginCallbackZod =>
  (app, _opts, done) => {
    /** Changes settings in one transaction with the audit row; answers with the team. */
    const change = async (
      request: FastifyRequest,
      team: Parameters<typeof toTeamView>[0],
      patch: Partial<Omit<TeamSettingsRow, 'teamId'>>,
    ) => {
      const settings = await ctx.store.transaction(async (tx: Repos) => {
        const now = ctx.clock();
        const updated = await tx.teamSettings.update(team.id, patch, now);
        await recordDone(tx, intentOf(request, `team:${team.name}`, patch, team.id), now);
        return updated;
      });
      request.audited = true;
      return toTeamView(team, request.principal, settings);
    };

    app.get(
      '/teams/:team',
      {
        config: {
          access: { kind: 'team', permission: 'team:read', source: 'param', installationOwners: true },
        },
        schema: {
          operationId: 'getTeam',
          tags: ['teams'],
          summary: 'A team with its settings (local images, build network)',
          params: TeamParams,
          response: { 200: Team, ...problemResponses },
        },
      },
      async (request) => {
        const team = scopeTeam(request);
        return toTeamView(team, request.principal, await ctx.store.teamSettings.get(team.id));
      },
    );

    app.patch(
      '/teams/:team/settings',
      {
        config: {
          access: { kind: 'team', permission: 'team:manage', source: 'param', installationOwners: true },
          audit: 'team.settings',
        },
        schema: {
          operationId: 'updateTeamSettings',
          tags: ['teams'],
          summary: "Whether the team's build steps may reach the network (egress) or not (none)",
          params: TeamParams,
          body: TeamSettingsPatch,
          response: { 200: Team, ...problemResponses },
        },
      },
      async (request) => change(request, scopeTeam(request), { buildNetwork: request.body.buildNetwork }),
    );

    app.put(
      '/teams/:team/local-images',
      {
        config: { access: { kind: 'installation' }, audit: 'team.local-images' },
        schema: {
          operationId: 'setLocalImages',
          tags: ['teams'],
          summary: "Allow (or refuse) a team to deploy images of the host's engine (localhost/…)",
          params: TeamParams,
          body: LocalImagesRequest,
          response: { 200: Team, ...problemResponses },
        },
      },
      async (request) => {
        const team = await ctx.store.teams.getByName(request.params.team);
        if (!team) {
          throw new BerthError('TEAM_NOT_FOUND', `There is no team named "${request.params.team}"`, {
            hint: 'List teams with: berth teams list',
          });
        }
        return change(request, team, { allowLocalImages: request.body.allowed });
      },
    );
    done();
  };
