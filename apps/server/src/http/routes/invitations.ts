import { BerthError, InvitationList, InvitationParams, Membership, TeamParams } from '@berth/protocol';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import type { InvitationRow, UserRow } from '@berth/store';
import { z } from 'zod';
import { scopeOf, scopeTeam } from '../../access/authorize.js';
import { intentOf } from '../../audit/intent.js';
import { accept, decline, toInvitationViews } from '../../identity/invitations.js';
import type { RouteContext } from '../context.js';
import { problemResponses } from '../schemas.js';

/**
 * Invitations into teams: the invited account lists, accepts and declines its own; a team's
 * owners and admins list the team's pending ones (and withdraw them with DELETE
 * /users/{user}/memberships/{team}).
 */
export const invitationRoutes =
  (ctx: RouteContext): FastifyPluginCallbackZod =>
  (app, _opts, done) => {
    /** The invitation the access check found, and the account it is for. */
    const invited = async (
      request: FastifyRequest,
    ): Promise<{ user: UserRow; invitation: InvitationRow }> => {
      const { principal, invitation } = scopeOf(request);
      const user = await ctx.store.users.get(principal.id);
      if (!invitation || !user) throw new BerthError('INTERNAL', 'this route has no invitation in scope');
      return { user, invitation };
    };

    app.get(
      '/invitations',
      {
        config: { access: { kind: 'authenticated' } },
        schema: {
          operationId: 'listInvitations',
          tags: ['users'],
          summary: 'Your pending invitations into teams (an API token has none)',
          response: { 200: InvitationList, ...problemResponses },
        },
      },
      async (request) => {
        const { principal } = scopeOf(request);
        if (principal.kind !== 'user') return { invitations: [] };
        const rows = await ctx.store.invitations.listForEmail(principal.name, ctx.clock());
        return { invitations: await toInvitationViews(ctx.store, rows) };
      },
    );

    app.post(
      '/invitations/:team/accept',
      {
        config: { access: { kind: 'invitation' }, audit: 'invitation.accept' },
        schema: {
          operationId: 'acceptInvitation',
          tags: ['users'],
          summary: 'Join the team with the role you were invited with (only as the invited account)',
          params: InvitationParams,
          response: { 200: Membership, ...problemResponses },
        },
      },
      async (request) => {
        const { user, invitation } = await invited(request);
        const membership = await ctx.store.transaction((tx) =>
          accept(tx, ctx.clock(), user, invitation, intentOf(request, null)),
        );
        request.audited = true;
        return membership;
      },
    );

    app.post(
      '/invitations/:team/decline',
      {
        config: { access: { kind: 'invitation' }, audit: 'invitation.decline' },
        schema: {
          operationId: 'declineInvitation',
          tags: ['users'],
          params: InvitationParams,
          response: { 204: z.null().describe('Declined: the invitation is gone'), ...problemResponses },
        },
      },
      async (request, reply) => {
        const { user, invitation } = await invited(request);
        await ctx.store.transaction((tx) =>
          decline(tx, ctx.clock(), user, invitation, intentOf(request, null)),
        );
        request.audited = true;
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/teams/:team/invitations',
      {
        config: { access: { kind: 'team', permission: 'team:manage', source: 'param' } },
        schema: {
          operationId: 'listTeamInvitations',
          tags: ['users'],
          summary: "The team's pending invitations",
          params: TeamParams,
          response: { 200: InvitationList, ...problemResponses },
        },
      },
      async (request) => {
        const rows = await ctx.store.invitations.listForTeam(scopeTeam(request).id, ctx.clock());
        return { invitations: await toInvitationViews(ctx.store, rows) };
      },
    );
    done();
  };
