import { BerthError, Health, SystemBackupBody, SystemBackupList, SystemBackupView } from '@berth/protocol';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { intentOf } from '../../audit/intent.js';
import type { RouteContext } from '../context.js';
import { problemResponse, problemResponses } from '../schemas.js';

export const VERSION = '0.1.0';

/**
 * `/health`, and Berth's own state (`berth system backup|backups`): installation owners only,
 * since a system backup holds the master key of every team's secrets.
 */
export const systemRoutes =
  (ctx: RouteContext): FastifyPluginCallbackZod =>
  (app, _opts, done) => {
    app.get(
      '/health',
      {
        config: { access: { kind: 'public' } },
        schema: { operationId: 'health', tags: ['system'], security: [], response: { 200: Health } },
      },
      () => ({ status: 'ok' as const, version: VERSION }),
    );

    app.get(
      '/system/backups',
      {
        config: { access: { kind: 'installation' } },
        schema: {
          operationId: 'listSystemBackups',
          tags: ['system'],
          response: { 200: SystemBackupList, ...problemResponses },
        },
      },
      async () => ({ backups: await ctx.systemBackups.list() }),
    );

    app.post(
      '/system/backups',
      {
        config: { access: { kind: 'installation' }, audit: 'system.backup' },
        schema: {
          operationId: 'createSystemBackup',
          tags: ['system'],
          summary:
            "Back up Berth's own state (a SQLite snapshot and the key files) sealed under a passphrase to a backup target; counts once read back, decrypted and checked",
          body: SystemBackupBody,
          response: {
            201: SystemBackupView,
            ...problemResponses,
            422: problemResponse(
              'BACKUP_VERIFY_FAILED / BACKUP_INTEGRITY_FAILED: the copy did not pass its checks',
            ),
            502: problemResponse(
              'BACKUP_TARGET_FAILED / BACKUP_TARGET_REFUSED: the target failed or refused',
            ),
          },
        },
      },
      async (request, reply) => {
        const teamName = request.body.team;
        const team =
          teamName === undefined
            ? await ctx.store.teams.get(ctx.defaults.teamId)
            : await ctx.store.teams.getByName(teamName);
        if (!team)
          throw new BerthError('TEAM_NOT_FOUND', `There is no team named "${teamName ?? 'default'}"`, {
            hint: 'List them with: berth teams list',
          });
        const target = await ctx.backupTargets.requireTarget(team, request.body.target);
        const view = await ctx.systemBackups.run(
          target,
          team.name,
          request.body.passphrase,
          intentOf(request, null, {}, team.id),
        );
        request.audited = true;
        return reply.status(201).send(view);
      },
    );
    done();
  };
