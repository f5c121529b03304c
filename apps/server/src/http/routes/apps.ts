import { App, AppCreate, AppList, AppParams, AppUpdate, BerthError, DatabaseName } from '@berth/protocol';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { scopeApp, scopeTeam, scopeOf } from '../../access/authorize.js';
import { teamsWith } from '../../access/policy.js';
import { checkSourceOnCreate } from '../../access/sources.js';
import { intentOf } from '../../audit/intent.js';
import { projectFor } from '../../identity/teams.js';
import type { RouteContext } from '../context.js';
import { problemResponses } from '../schemas.js';

export const appRoutes =
  (ctx: RouteContext): FastifyPluginCallbackZod =>
  (app, _opts, done) => {
    app.get(
      '/apps',
      {
        config: { access: { kind: 'authenticated' } },
        schema: { operationId: 'listApps', tags: ['apps'], response: { 200: AppList, ...problemResponses } },
      },
      async (request) => {
        // Only the apps of teams the caller can read: others are not there for it.
        const teams = new Set(teamsWith(scopeOf(request).principal, 'app:read'));
        // Databases' workloads are listed by `berth db list`.
        const workloads = new Set((await ctx.store.databases.list(null)).map((d) => d.appId));
        const apps = (await ctx.store.apps.list()).filter((a) => teams.has(a.teamId) && !workloads.has(a.id));
        return { apps: await ctx.appViews(apps) };
      },
    );

    app.post(
      '/apps',
      {
        config: { access: { kind: 'team', permission: 'app:write', source: 'body' }, audit: 'app.create' },
        schema: {
          operationId: 'createApp',
          tags: ['apps'],
          summary: 'Create an app (nothing runs until its first deploy)',
          body: AppCreate,
          response: { 201: App, ...problemResponses },
        },
      },
      async (request, reply) => {
        const team = scopeTeam(request);
        const project = await projectFor(ctx.store, team, request.body.project);
        if (request.body.git) {
          await checkSourceOnCreate(
            request.body.git.url,
            { principal: scopeOf(request).principal, team },
            { allowedDirs: ctx.config.allowLocalSources, defaultTeamId: ctx.defaults.teamId },
          );
        }
        // Checked before anything is written; added in the app's own transaction.
        const domains = (request.body.domains ?? []).map((d, i) => ctx.domains.prepare(d, `domains.${i}.`));
        const mounts = ctx.volumes.prepareMounts(request.body.volumes);
        const databases = (request.body.databases ?? []).map((d) => ({
          input: { name: d.name ?? `${request.body.name}-${d.engine}`, engine: d.engine },
          as: d.as ?? 'DATABASE_URL',
        }));
        for (const [i, d] of databases.entries()) {
          const parsed = DatabaseName.safeParse(d.input.name);
          if (!parsed.success)
            throw new BerthError(
              'VALIDATION_FAILED',
              `Invalid databases.${i}.name: "${d.input.name}" is not a database name`,
              {
                issues: [
                  {
                    path: `databases.${i}.name`,
                    message: 'give a name of up to 32 letters, digits and dashes',
                  },
                ],
              },
            );
        }
        // Read before the transaction: a store read inside it would wait for it (one SQLite writer).
        const localId = databases.length > 0 ? await ctx.agents.localServerId() : null;
        const row = await ctx.service.createApp(
          request.body,
          { projectId: project.id, teamId: team.id },
          intentOf(request, `app:${request.body.name}`),
          async (tx, app, now) => {
            for (const d of domains) await ctx.domains.addInTransaction(tx, app, d, now);
            await ctx.volumes.mountInTransaction(tx, app, team, mounts);
            for (const d of databases) {
              const row = await ctx.databases.createInTransaction(tx, d.input, team, localId, now);
              await ctx.databases.linkNewApp(tx, row, app, d.as, now);
            }
          },
        );
        request.audited = true;
        return reply.status(201).send(await ctx.appView(row));
      },
    );

    app.get(
      '/apps/:app',
      {
        config: { access: { kind: 'app', permission: 'app:read' } },
        schema: {
          operationId: 'getApp',
          tags: ['apps'],
          params: AppParams,
          response: { 200: App, ...problemResponses },
        },
      },
      async (request) => ctx.appView(scopeApp(request)),
    );

    app.patch(
      '/apps/:app',
      {
        config: { access: { kind: 'app', permission: 'app:write' }, audit: 'app.update' },
        schema: {
          operationId: 'updateApp',
          tags: ['apps'],
          summary: "Change the app's spec; takes effect with the next deploy",
          params: AppParams,
          body: AppUpdate,
          response: { 200: App, ...problemResponses },
        },
      },
      async (request) => {
        const row = await ctx.service.updateApp(
          request.params.app,
          request.body,
          intentOf(request, `app:${request.params.app}`),
        );
        request.audited = true;
        return ctx.appView(row);
      },
    );

    app.delete(
      '/apps/:app',
      {
        config: { access: { kind: 'app', permission: 'app:write' }, audit: 'app.delete' },
        schema: {
          operationId: 'deleteApp',
          tags: ['apps'],
          summary: 'Delete an app; its containers are removed and its route goes away',
          params: AppParams,
          response: { 204: z.null().describe('Deleted'), ...problemResponses },
        },
      },
      async (request, reply) => {
        const unfinished = await ctx.service.deleteApp(
          request.params.app,
          intentOf(request, `app:${request.params.app}`),
        );
        request.audited = true;
        // Uploads its builds were still waiting for: no build will ever take them now.
        for (const id of unfinished) await ctx.archives.remove(id);
        return reply.status(204).send(null);
      },
    );
    done();
  };
