import {
  BerthError,
  Invitation,
  MembershipParams,
  MembershipPut,
  OneTimeToken,
  User,
  UserCreate,
  UserCreated,
  UserList,
  UserParams,
} from '@berth/protocol';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { scopeOf, scopeRole, scopeTeam } from '../../access/authorize.js';
import { resetRight, teamsManagedBy } from '../../access/policy.js';
import { intentOf } from '../../audit/intent.js';
import { createUser, grant, issueReset, revokeMembership, toUserView } from '../../identity/users.js';
import type { RouteContext } from '../context.js';
import { problemResponses } from '../schemas.js';

/** Users and their memberships, managed by owners and admins of each team. */
export const userRoutes =
  (ctx: RouteContext): FastifyPluginCallbackZod =>
  (app, _opts, done) => {
    app.post(
      '/users',
      {
        config: { access: { kind: 'team', permission: 'team:manage', source: 'body' }, audit: 'user.create' },
        schema: {
          operationId: 'createUser',
          tags: ['users'],
          summary:
            'Invite an email into a team, creating its account when it has none; without a password, a one-time setup token comes back. The answer is the same whether or not the email has an account elsewhere',
          body: UserCreate,
          response: { 201: UserCreated, ...problemResponses },
        },
      },
      async (request, reply) => {
        const created = await createUser(
          ctx.store,
          ctx.clock(),
          request.body,
          scopeTeam(request),
          { role: scopeRole(request), name: scopeOf(request).principal.name },
          intentOf(request, null),
        );
        request.audited = true;
        return reply.status(201).send(created);
      },
    );

    app.get(
      '/users',
      {
        config: { access: { kind: 'authenticated' } },
        schema: {
          operationId: 'listUsers',
          tags: ['users'],
          response: { 200: UserList, ...problemResponses },
        },
      },
      async (request) => {
        const { principal } = scopeOf(request);
        const managed = teamsManagedBy(principal);
        const users = [];
        for (const user of await ctx.store.users.list()) {
          const view = await toUserView(ctx.store, user, managed);
          // Installation owners also see accounts that are in no team (yet).
          if (view.memberships.length > 0 || principal.installationOwner) users.push(view);
        }
        return { users };
      },
    );

    app.put(
      '/users/:user/memberships/:team',
      {
        config: { access: { kind: 'team', permission: 'team:manage', source: 'param' }, audit: 'user.grant' },
        schema: {
          operationId: 'grantMembership',
          tags: ['users'],
          summary:
            "Change a member's role in the team (200), or invite the email into it (202: the account accepts); never above the caller's own role",
          params: MembershipParams,
          body: MembershipPut,
          response: {
            200: User.describe('A member of the team, with its new role'),
            202: Invitation.describe('Invited: the same answer whether or not the email has an account'),
            ...problemResponses,
          },
        },
      },
      async (request, reply) => {
        const { principal } = scopeOf(request);
        const granted = await grant(
          ctx.store,
          ctx.clock(),
          request.params.user,
          scopeTeam(request),
          request.body.role,
          { role: scopeRole(request), name: principal.name, visibleTeams: teamsManagedBy(principal) },
          intentOf(request, `user:${request.params.user.toLowerCase()}`),
        );
        request.audited = true;
        return granted.kind === 'member'
          ? reply.status(200).send(granted.user)
          : reply.status(202).send(granted.invitation);
      },
    );

    app.delete(
      '/users/:user/memberships/:team',
      {
        config: {
          access: { kind: 'team', permission: 'team:manage', source: 'param' },
          audit: 'user.revoke',
        },
        schema: {
          operationId: 'revokeMembership',
          tags: ['users'],
          params: MembershipParams,
          summary: "Remove a member from the team, or withdraw the team's invitation of the email",
          response: {
            204: z.null().describe('Removed (or the invitation withdrawn)'),
            ...problemResponses,
          },
        },
      },
      async (request, reply) => {
        await revokeMembership(
          ctx.store,
          ctx.clock(),
          request.params.user,
          scopeTeam(request),
          scopeRole(request),
          intentOf(request, `user:${request.params.user.toLowerCase()}`),
        );
        request.audited = true;
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/users/:user/password-reset',
      {
        config: { access: { kind: 'authenticated' }, audit: 'user.password-reset' },
        schema: {
          operationId: 'issuePasswordReset',
          tags: ['users'],
          summary:
            'A single-use, expiring reset token for a user of a team you manage; an account that is in other teams too needs an owner of each (there is no mail yet)',
          params: UserParams,
          response: { 201: OneTimeToken, ...problemResponses },
        },
      },
      async (request, reply) => {
        const { principal } = scopeOf(request);
        const user = await ctx.store.users.getByEmail(request.params.user);
        const right = user
          ? resetRight(principal, await ctx.store.memberships.listForUser(user.id))
          : 'hidden';
        // An account in none of the caller's teams answers as one that does not exist.
        if (!user || right === 'hidden') {
          request.denied = user !== null;
          throw new BerthError('USER_NOT_FOUND', `There is no user ${request.params.user}`, {
            hint: 'List users with: berth users list',
          });
        }
        if (right === 'forbidden') {
          throw new BerthError(
            'FORBIDDEN',
            `Only an owner of every team ${user.email} is in (or of the default team) may reset its password`,
            { hint: 'Ask an owner of the default team: berth users reset-password EMAIL' },
          );
        }
        const token = await issueReset(ctx.store, ctx.clock(), user, intentOf(request, `user:${user.email}`));
        request.audited = true;
        return reply.status(201).send(token);
      },
    );
    done();
  };
