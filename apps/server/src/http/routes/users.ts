import {
  BerthError,
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
import { mayGrant, roleIn, teamsWith } from '../../access/policy.js';
import { intentOf } from '../../audit/intent.js';
import {
  createUser,
  grant,
  issueReset,
  requireUser,
  revokeMembership,
  toUserView,
} from '../../identity/users.js';
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
            'Create a user with a role in a team; without a password, a one-time setup token comes back',
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
          scopeRole(request),
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
        const managed = new Set(teamsWith(scopeOf(request).principal, 'team:manage'));
        const users = [];
        for (const user of await ctx.store.users.list()) {
          const view = await toUserView(ctx.store, user, managed);
          if (view.memberships.length > 0) users.push(view);
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
          summary: "Add a user to a team or change their role there (never above the caller's own role)",
          params: MembershipParams,
          body: MembershipPut,
          response: { 200: User, ...problemResponses },
        },
      },
      async (request) => {
        const team = scopeTeam(request);
        const user = await grant(
          ctx.store,
          ctx.clock(),
          request.params.user,
          team,
          request.body.role,
          scopeRole(request),
          intentOf(request, `user:${request.params.user}`),
        );
        request.audited = true;
        return user;
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
          response: {
            204: z.null().describe('Removed from the team; their sessions ended'),
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
          intentOf(request, `user:${request.params.user}`),
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
            'A single-use, expiring reset token for a user of a team you manage (there is no mail yet)',
          params: UserParams,
          response: { 201: OneTimeToken, ...problemResponses },
        },
      },
      async (request, reply) => {
        const { principal } = scopeOf(request);
        const user = await requireUser(ctx.store, request.params.user).catch(() => null);
        // The user is visible to whoever manages one of its teams (as GET /users shows it); of
        // those, only one holding at least the user's role there may reset its password.
        const managed = teamsWith(principal, 'team:manage');
        const visible = user
          ? (await ctx.store.memberships.listForUser(user.id)).filter((m) => managed.includes(m.teamId))
          : [];
        if (!user || visible.length === 0) {
          request.denied = user !== null;
          throw new BerthError('USER_NOT_FOUND', `There is no user ${request.params.user}`);
        }
        if (!visible.some((m) => mayGrant(roleIn(principal, m.teamId) ?? 'viewer', m.role))) {
          throw new BerthError(
            'FORBIDDEN',
            `Your role does not allow resetting the password of ${user.email}`,
            {
              hint: 'Ask an owner of the team',
            },
          );
        }
        const token = await issueReset(ctx.store, ctx.clock(), user, intentOf(request, `user:${user.email}`));
        request.audited = true;
        return reply.status(201).send(token);
      },
    );
    done();
  };
