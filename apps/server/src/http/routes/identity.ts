import {
  FirstOwnerSetup,
  PasswordSet,
  SessionCreate,
  SessionCreated,
  SetupStatus,
  Whoami,
} from '@berth/protocol';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { scopeOf } from '../../access/authorize.js';
import { csrfTokenOf, SESSION_COOKIE } from '../../access/authenticate.js';
import { intentOf } from '../../audit/intent.js';
import { login } from '../../identity/login.js';
import { setPassword, toUserView } from '../../identity/users.js';
import type { RouteContext } from '../context.js';
import { problemResponse, problemResponses } from '../schemas.js';

/** Logging in and out, who am I, and setting a password with a one-time token. */
export const identityRoutes =
  (ctx: RouteContext): FastifyPluginCallbackZod =>
  (app, _opts, done) => {
    app.post(
      '/sessions',
      {
        config: { access: { kind: 'public' }, audit: 'login' },
        schema: {
          operationId: 'login',
          tags: ['identity'],
          summary:
            'Log in with email and password: a bearer token (cli) or an HttpOnly cookie and a CSRF token (browser)',
          security: [],
          body: SessionCreate,
          response: {
            201: SessionCreated,
            ...problemResponses,
            429: problemResponse('Too many failed logins: wait for the window to pass'),
          },
        },
      },
      async (request, reply) => {
        const result = await login(
          ctx.store,
          ctx.clock(),
          request.body,
          request.ip,
          intentOf(request, `user:${request.body.email.toLowerCase()}`),
        );
        request.audited = true;
        if (result.session.kind === 'browser') {
          const secure = request.protocol === 'https' ? '; Secure' : '';
          const maxAge = Math.floor((result.session.expiresAt - ctx.clock()) / 1000);
          void reply.header(
            'set-cookie',
            `${SESSION_COOKIE}=${result.token}; HttpOnly; SameSite=Lax; Path=/; Max-Age=${maxAge}${secure}`,
          );
        }
        return reply.status(201).send({
          token: result.session.kind === 'cli' ? result.token : null,
          csrfToken: result.csrfToken,
          expiresAt: new Date(result.session.expiresAt).toISOString(),
          // Its own account: every team it is in.
          user: await toUserView(ctx.store, result.user, result.teams),
        });
      },
    );

    app.delete(
      '/sessions/current',
      {
        config: { access: { kind: 'authenticated' }, audit: 'logout' },
        schema: {
          operationId: 'logout',
          tags: ['identity'],
          response: { 204: z.null().describe('Logged out'), ...problemResponses },
        },
      },
      async (request, reply) => {
        const { principal } = scopeOf(request);
        if (principal.sessionId) await ctx.store.sessions.revoke(principal.sessionId, ctx.clock());
        return reply
          .status(204)
          .header('set-cookie', `${SESSION_COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0`)
          .send(null);
      },
    );

    app.get(
      '/me',
      {
        config: { access: { kind: 'authenticated' } },
        schema: { operationId: 'whoami', tags: ['identity'], response: { 200: Whoami, ...problemResponses } },
      },
      async (request) => {
        const { principal } = scopeOf(request);
        const memberships = [];
        for (const [teamId, role] of principal.memberships) {
          const team = await ctx.store.teams.get(teamId);
          if (team) memberships.push({ team: team.name, role });
        }
        return {
          kind: principal.kind,
          name: principal.name,
          memberships,
          installationOwner: principal.installationOwner,
          csrfToken: csrfTokenOf(request, principal),
        };
      },
    );

    app.post(
      '/password',
      {
        config: { access: { kind: 'public' }, audit: 'password.set' },
        schema: {
          operationId: 'setPassword',
          tags: ['identity'],
          summary: 'Set a password with a one-time setup or reset token (the token is the credential)',
          security: [],
          body: PasswordSet,
          response: {
            204: z.null().describe('Password set; every older session of the user has ended'),
            ...problemResponses,
          },
        },
      },
      async (request, reply) => {
        await setPassword(
          ctx.store,
          ctx.clock(),
          request.body.token,
          request.body.password,
          intentOf(request, null),
        );
        request.audited = true;
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/setup',
      {
        config: { access: { kind: 'public' } },
        schema: {
          operationId: 'setupStatus',
          tags: ['identity'],
          summary: 'Whether the first-owner setup link is open (the dashboard shows setup or login)',
          security: [],
          response: { 200: SetupStatus, ...problemResponses },
        },
      },
      () => ({ open: ctx.firstOwner.open() }),
    );

    app.post(
      '/setup',
      {
        config: { access: { kind: 'public' }, audit: 'owner.setup' },
        schema: {
          operationId: 'setupFirstOwner',
          tags: ['identity'],
          summary:
            'Name the first owner (email and password) with the one-time setup link berth up prints; then log in',
          security: [],
          body: FirstOwnerSetup,
          response: {
            204: z.null().describe('The owner account exists: log in with it'),
            ...problemResponses,
          },
        },
      },
      async (request, reply) => {
        await ctx.firstOwner.complete(request.body, intentOf(request, null));
        request.audited = true;
        return reply.status(204).send(null);
      },
    );
    done();
  };
