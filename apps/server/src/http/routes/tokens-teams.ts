import {
  BerthError,
  Project,
  ProjectCreate,
  ProjectList,
  Team,
  TeamCreate,
  TeamList,
  TeamQuery,
  TokenCreate,
  TokenCreated,
  TokenList,
  TokenParams,
} from '@berth/protocol';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { scopeOf, scopeRole, scopeTeam } from '../../access/authorize.js';
import { roleIn, teamsWith } from '../../access/policy.js';
import { intentOf } from '../../audit/intent.js';
import { createProject, createTeam, toProjectView, toTeamView } from '../../identity/teams.js';
import { createToken, revokeToken, toTokenView } from '../../identity/tokens.js';
import type { RouteContext } from '../context.js';
import { problemResponses } from '../schemas.js';

/** API tokens, teams and projects. */
export const tokenAndTeamRoutes =
  (ctx: RouteContext): FastifyPluginCallbackZod =>
  (app, _opts, done) => {
    app.post(
      '/tokens',
      {
        config: {
          access: { kind: 'team', permission: 'team:manage', source: 'body' },
          audit: 'token.create',
        },
        schema: {
          operationId: 'createToken',
          tags: ['tokens'],
          summary: 'Create an API token; its value is in this answer only (only a hash is kept)',
          body: TokenCreate,
          response: { 201: TokenCreated, ...problemResponses },
        },
      },
      async (request, reply) => {
        const created = await createToken(
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
      '/tokens',
      {
        config: { access: { kind: 'authenticated' } },
        schema: {
          operationId: 'listTokens',
          tags: ['tokens'],
          querystring: TeamQuery,
          response: { 200: TokenList, ...problemResponses },
        },
      },
      async (request) => {
        const { principal } = scopeOf(request);
        const managed = teamsWith(principal, 'team:manage');
        const only = request.query.team ? await ctx.store.teams.getByName(request.query.team) : null;
        const role = only ? roleIn(principal, only.id) : null;
        // A team the caller is not in is not there for it (404); its own team, which it can see
        // but does not manage, is refused (403), as the access check answers everywhere else.
        if (request.query.team && (!only || !role)) {
          throw new BerthError('TEAM_NOT_FOUND', `There is no team named "${request.query.team}"`);
        }
        if (only && role && !managed.includes(only.id)) {
          throw new BerthError('FORBIDDEN', `Your role in team ${only.name} (${role}) does not allow this`, {
            hint: 'Ask an owner or admin of the team for a role that does',
          });
        }
        const rows = await ctx.store.tokens.list(only ? [only.id] : managed);
        return { tokens: await Promise.all(rows.map((t) => toTokenView(ctx.store, t))) };
      },
    );

    app.delete(
      '/tokens/:name',
      {
        config: {
          access: { kind: 'team', permission: 'team:manage', source: 'query' },
          audit: 'token.revoke',
        },
        schema: {
          operationId: 'revokeToken',
          tags: ['tokens'],
          params: TokenParams,
          querystring: TeamQuery,
          response: {
            204: z.null().describe('Revoked: the next request with it is refused'),
            ...problemResponses,
          },
        },
      },
      async (request, reply) => {
        await revokeToken(
          ctx.store,
          ctx.clock(),
          request.params.name,
          scopeTeam(request),
          scopeRole(request),
          intentOf(request, `token:${request.params.name}`),
        );
        request.audited = true;
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/teams',
      {
        config: { access: { kind: 'installation' }, audit: 'team.create' },
        schema: {
          operationId: 'createTeam',
          tags: ['teams'],
          body: TeamCreate,
          response: { 201: Team, ...problemResponses },
        },
      },
      async (request, reply) => {
        const { principal } = scopeOf(request);
        const team = await createTeam(
          ctx.store,
          ctx.clock(),
          request.body.name,
          principal,
          intentOf(request, null),
        );
        request.audited = true;
        return reply.status(201).send(toTeamView(team, principal, await ctx.store.teamSettings.get(team.id)));
      },
    );

    app.get(
      '/teams',
      {
        config: { access: { kind: 'authenticated' } },
        schema: {
          operationId: 'listTeams',
          tags: ['teams'],
          response: { 200: TeamList, ...problemResponses },
        },
      },
      async (request) => {
        const { principal } = scopeOf(request);
        const teams = (await ctx.store.teams.list()).filter((t) => principal.roles.has(t.id));
        return {
          teams: await Promise.all(
            teams.map(async (t) => toTeamView(t, principal, await ctx.store.teamSettings.get(t.id))),
          ),
        };
      },
    );

    app.post(
      '/projects',
      {
        config: {
          access: { kind: 'team', permission: 'app:write', source: 'body' },
          audit: 'project.create',
        },
        schema: {
          operationId: 'createProject',
          tags: ['teams'],
          body: ProjectCreate,
          response: { 201: Project, ...problemResponses },
        },
      },
      async (request, reply) => {
        const team = scopeTeam(request);
        const project = await createProject(
          ctx.store,
          ctx.clock(),
          team,
          request.body.name,
          intentOf(request, null),
        );
        request.audited = true;
        return reply.status(201).send(toProjectView(project, team));
      },
    );

    app.get(
      '/projects',
      {
        config: { access: { kind: 'team', permission: 'team:read', source: 'query' } },
        schema: {
          operationId: 'listProjects',
          tags: ['teams'],
          querystring: TeamQuery,
          response: { 200: ProjectList, ...problemResponses },
        },
      },
      async (request) => {
        const team = scopeTeam(request);
        return { projects: (await ctx.store.projects.list([team.id])).map((p) => toProjectView(p, team)) };
      },
    );
    done();
  };
