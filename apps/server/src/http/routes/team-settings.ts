import { BerthError, Team, TeamParams, TeamSettingsPatch } from '@berth/protocol';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { scopeOf, scopeTeam } from '../../access/authorize.js';
import { isInstallationOwner } from '../../access/policy.js';
import { intentOf, recordDone } from '../../audit/intent.js';
import { toTeamView } from '../../identity/teams.js';
import type { RouteContext } from '../context.js';
import { problemResponses } from '../schemas.js';

/**
 * A team and its settings. Installation owners reach every team here; a team's owners and
 * admins may change how its builds reach the network, but only installation owners decide
 * whether a team may deploy the host's own images.
 */
export const teamSettingsRoutes =
  (ctx: RouteContext): FastifyPluginCallbackZod =>
  (app, _opts, done) => {
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
          summary:
            "Change a team's settings: buildNetwork (its owners/admins or installation owners), allowLocalImages (installation owners)",
          params: TeamParams,
          body: TeamSettingsPatch,
          response: { 200: Team, ...problemResponses },
        },
      },
      async (request) => {
        const team = scopeTeam(request);
        const { allowLocalImages, buildNetwork } = request.body;
        const principal = scopeOf(request).principal;
        if (allowLocalImages !== undefined && !isInstallationOwner(principal, ctx.defaults.teamId)) {
          throw new BerthError(
            'FORBIDDEN',
            'Only an owner of the default team may allow or refuse local images',
            {
              hint: `Ask an installation owner to run: berth teams allow-local-images ${team.name}`,
            },
          );
        }
        const settings = await ctx.store.transaction(async (tx) => {
          const now = ctx.clock();
          const updated = await tx.teamSettings.update(
            team.id,
            {
              ...(allowLocalImages !== undefined && { allowLocalImages }),
              ...(buildNetwork && { buildNetwork }),
            },
            now,
          );
          await recordDone(
            tx,
            intentOf(request, `team:${team.name}`, {
              ...(allowLocalImages !== undefined && { allowLocalImages }),
              ...(buildNetwork && { buildNetwork }),
            }),
            now,
          );
          return updated;
        });
        request.audited = true;
        return toTeamView(team, request.principal, settings);
      },
    );
    done();
  };
