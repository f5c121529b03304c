import {
  DatabaseParams,
  DatabaseRestoreBody,
  DatabaseRestoreResult,
  BackupList,
  BackupParams,
  BackupScheduleDeleteQuery,
  BackupScheduleList,
  BackupScheduleParams,
  BackupScheduleSet,
  BackupScheduleView,
  BackupRunBody,
  BackupTargetCreate,
  BackupTargetList,
  BackupTargetParams,
  BackupTargetView,
  BackupView,
  TeamQuery,
  VolumeParams,
  VolumeRestoreBody,
  VolumeRestoreResult,
} from '@berth/protocol';
import type { TeamRow } from '@berth/store';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { scopeOf, scopeTeam } from '../../access/authorize.js';
import { isInstallationOwner, teamsWith } from '../../access/policy.js';
import { intentOf } from '../../audit/intent.js';
import { backupView } from '../../backups/service.js';
import { targetView } from '../../backups/targets.js';
import { scheduleView } from '../../backups/schedules.js';
import type { RouteContext } from '../context.js';
import { problemResponse, problemResponses } from '../schemas.js';

const agentResponses = {
  422: problemResponse('BACKUP_VERIFY_FAILED / BACKUP_INTEGRITY_FAILED: the backup did not pass its checks'),
  502: problemResponse('BACKUP_TARGET_FAILED / BACKUP_TARGET_REFUSED: the target failed or refused'),
  503: problemResponse("AGENT_UNAVAILABLE: the volume's server's agent is not connected"),
  504: problemResponse('AGENT_TIMEOUT: the agent did not answer in time'),
};

/**
 * Backups (issue 12): `berth backups targets add|list|remove`, `berth backups run|list|show`,
 * `berth backups schedule|schedules|unschedule` and `berth volumes backup|restore`. A run is a
 * durable job: the POST answers 202 with the `running` row, and getBackup follows it. Targets are added and removed by team admins (directory
 * targets and private S3 endpoints by installation owners only: agents run as root); backups
 * are run and restored by those who may change the team's apps, listed by those who may read them.
 */
export const backupRoutes =
  (ctx: RouteContext): FastifyPluginCallbackZod =>
  (app, _opts, done) => {
    app.get(
      '/backup-targets',
      {
        config: { access: { kind: 'authenticated' } },
        schema: {
          operationId: 'listBackupTargets',
          tags: ['backups'],
          response: { 200: BackupTargetList, ...problemResponses },
        },
      },
      async (request) => {
        const targets: BackupTargetView[] = [];
        for (const id of teamsWith(scopeOf(request).principal, 'app:read')) {
          const team: TeamRow | null = await ctx.store.teams.get(id);
          if (!team) continue;
          for (const row of await ctx.backupTargets.list(team)) targets.push(targetView(row, team.name));
        }
        targets.sort((a, b) => a.team.localeCompare(b.team) || a.name.localeCompare(b.name));
        return { targets };
      },
    );

    app.post(
      '/backup-targets',
      {
        config: {
          access: { kind: 'team', permission: 'team:manage', source: 'body' },
          audit: 'backup-target.create',
        },
        schema: {
          operationId: 'createBackupTarget',
          tags: ['backups'],
          summary:
            'Add a backup target (a directory or S3-compatible storage); credentials are sealed and never returned',
          body: BackupTargetCreate,
          response: { 201: BackupTargetView, ...problemResponses },
        },
      },
      async (request, reply) => {
        const team = scopeTeam(request);
        const owner = isInstallationOwner(scopeOf(request).principal, ctx.defaults.teamId);
        const row = await ctx.backupTargets.create(
          request.body,
          team,
          owner,
          intentOf(request, `backup-target:${request.body.name}`),
        );
        request.audited = true;
        return reply.status(201).send(targetView(row, team.name));
      },
    );

    app.delete(
      '/backup-targets/:name',
      {
        config: {
          access: { kind: 'team', permission: 'team:manage', source: 'query' },
          audit: 'backup-target.delete',
        },
        schema: {
          operationId: 'deleteBackupTarget',
          tags: ['backups'],
          summary: 'Remove a backup target; refused while backups Berth knows of are on it',
          params: BackupTargetParams,
          querystring: TeamQuery,
          response: { 204: z.null().describe('Removed'), ...problemResponses },
        },
      },
      async (request, reply) => {
        await ctx.backupTargets.remove(
          scopeTeam(request),
          request.params.name,
          intentOf(request, `backup-target:${request.params.name}`),
        );
        request.audited = true;
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/volumes/:name/backups',
      {
        config: { access: { kind: 'team', permission: 'app:read', source: 'query' } },
        schema: {
          operationId: 'listVolumeBackups',
          tags: ['backups'],
          params: VolumeParams,
          querystring: TeamQuery,
          response: { 200: BackupList, ...problemResponses },
        },
      },
      async (request) => {
        const team = scopeTeam(request);
        const rows = await ctx.backups.listVolume(team, request.params.name);
        const backups: BackupView[] = [];
        for (const row of rows) backups.push(await backupView(ctx.store, row, team.name));
        return { backups };
      },
    );

    app.post(
      '/volumes/:name/backups',
      {
        config: { access: { kind: 'team', permission: 'app:write', source: 'body' }, audit: 'backup.queue' },
        schema: {
          operationId: 'runVolumeBackup',
          tags: ['backups'],
          summary:
            'Queue a backup of a volume to a target as a durable job; it is verified (read back, decrypted, restored into a scratch volume, compared). Follow it with getBackup',
          params: VolumeParams,
          body: BackupRunBody,
          response: { 202: BackupView, ...problemResponses },
        },
      },
      async (request, reply) => {
        const team = scopeTeam(request);
        const row = await ctx.backups.enqueueVolume(
          team,
          request.params.name,
          request.body.target,
          intentOf(request, `volume:${request.params.name}`),
        );
        // Audited as `backup.queue` now; its outcome (verified or failed, loud) as `backup.run` by the job.
        request.audited = true;
        return reply.status(202).send(await backupView(ctx.store, row, team.name));
      },
    );

    app.get(
      '/databases/:name/backups',
      {
        config: { access: { kind: 'team', permission: 'app:read', source: 'query' } },
        schema: {
          operationId: 'listDatabaseBackups',
          tags: ['backups'],
          params: DatabaseParams,
          querystring: TeamQuery,
          response: { 200: BackupList, ...problemResponses },
        },
      },
      async (request) => {
        const team = scopeTeam(request);
        const rows = await ctx.backups.listDatabase(team, request.params.name);
        const backups: BackupView[] = [];
        for (const row of rows) backups.push(await backupView(ctx.store, row, team.name));
        return { backups };
      },
    );

    app.post(
      '/databases/:name/backups',
      {
        config: { access: { kind: 'team', permission: 'app:write', source: 'body' }, audit: 'backup.queue' },
        schema: {
          operationId: 'runDatabaseBackup',
          tags: ['backups'],
          summary:
            "Queue a backup of a managed database (its engine's dump) to a target as a durable job; it is verified (read back, decrypted, restored into a scratch database, every table's rows or the keys counted). Follow it with getBackup",
          params: DatabaseParams,
          body: BackupRunBody,
          response: { 202: BackupView, ...problemResponses },
        },
      },
      async (request, reply) => {
        const team = scopeTeam(request);
        const row = await ctx.backups.enqueueDatabase(
          team,
          request.params.name,
          request.body.target,
          intentOf(request, `database:${request.params.name}`),
        );
        request.audited = true;
        return reply.status(202).send(await backupView(ctx.store, row, team.name));
      },
    );

    app.get(
      '/backups/:id',
      {
        config: { access: { kind: 'team', permission: 'app:read', source: 'query' } },
        schema: {
          operationId: 'getBackup',
          tags: ['backups'],
          summary:
            'One backup: `running` until its job has made and verified it, then `verified` or `failed`',
          params: BackupParams,
          querystring: TeamQuery,
          response: { 200: BackupView, ...problemResponses },
        },
      },
      async (request) => {
        const team = scopeTeam(request);
        return backupView(ctx.store, await ctx.backups.get(team, request.params.id), team.name);
      },
    );

    app.get(
      '/backup-schedules',
      {
        config: { access: { kind: 'authenticated' } },
        schema: {
          operationId: 'listBackupSchedules',
          tags: ['backups'],
          response: { 200: BackupScheduleList, ...problemResponses },
        },
      },
      async (request) => {
        const schedules: BackupScheduleView[] = [];
        for (const id of teamsWith(scopeOf(request).principal, 'app:read')) {
          const team: TeamRow | null = await ctx.store.teams.get(id);
          if (!team) continue;
          for (const row of await ctx.backupSchedules.list(team))
            schedules.push(await scheduleView(ctx.store, row, team.name, ctx.clock()));
        }
        schedules.sort(
          (a, b) =>
            a.team.localeCompare(b.team) ||
            a.source.name.localeCompare(b.source.name) ||
            a.target.localeCompare(b.target),
        );
        return { schedules };
      },
    );

    app.put(
      '/backup-schedules',
      {
        config: {
          access: { kind: 'team', permission: 'app:write', source: 'body' },
          audit: 'backup-schedule.set',
        },
        schema: {
          operationId: 'setBackupSchedule',
          tags: ['backups'],
          summary:
            "Create or replace a source's backup schedule on a target: a cron expression (seconds field allowed) and how many verified backups to keep",
          body: BackupScheduleSet,
          response: { 200: BackupScheduleView, ...problemResponses },
        },
      },
      async (request) => {
        const team = scopeTeam(request);
        const { row, replaced } = await ctx.backupSchedules.set(
          team,
          request.body,
          intentOf(request, `volume:${request.body.source}`),
        );
        request.audited = true;
        return scheduleView(ctx.store, row, team.name, ctx.clock(), replaced);
      },
    );

    app.delete(
      '/backup-schedules/:source',
      {
        config: {
          access: { kind: 'team', permission: 'app:write', source: 'query' },
          audit: 'backup-schedule.delete',
        },
        schema: {
          operationId: 'deleteBackupSchedule',
          tags: ['backups'],
          summary: "Remove a source's backup schedule on a target (its backups stay)",
          params: BackupScheduleParams,
          querystring: BackupScheduleDeleteQuery,
          response: { 204: z.null().describe('Removed'), ...problemResponses },
        },
      },
      async (request, reply) => {
        await ctx.backupSchedules.remove(
          scopeTeam(request),
          request.params.source,
          request.query.target,
          intentOf(request, `volume:${request.params.source}`),
        );
        request.audited = true;
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/volumes/:name/restore',
      {
        config: {
          access: { kind: 'team', permission: 'app:write', source: 'body' },
          audit: 'volume.restore',
        },
        schema: {
          operationId: 'restoreVolume',
          tags: ['backups'],
          summary: 'Restore a verified backup into the volume; refused while an app that mounts it runs',
          params: VolumeParams,
          body: VolumeRestoreBody,
          response: { 200: VolumeRestoreResult, ...problemResponses, ...agentResponses },
        },
      },
      async (request) => {
        const result = await ctx.backups.restoreVolume(
          scopeTeam(request),
          request.params.name,
          request.body.backup,
          intentOf(request, `volume:${request.params.name}`),
        );
        request.audited = true;
        return result;
      },
    );
    app.post(
      '/databases/:name/restore',
      {
        config: {
          access: { kind: 'team', permission: 'app:write', source: 'body' },
          audit: 'db.restore',
        },
        schema: {
          operationId: 'restoreDatabase',
          tags: ['backups'],
          summary:
            'Restore a verified backup of the database, checked against the source at dump time: into a new database `to` (201), or into the database itself on a new volume it restarts on (200; the previous volume is kept)',
          params: DatabaseParams,
          body: DatabaseRestoreBody,
          response: {
            200: DatabaseRestoreResult,
            201: DatabaseRestoreResult,
            ...problemResponses,
            ...agentResponses,
          },
        },
      },
      async (request, reply) => {
        const result = await ctx.databaseRestore.restore(
          scopeTeam(request),
          request.params.name,
          request.body,
          intentOf(request, `database:${request.params.name}`),
        );
        request.audited = true;
        return reply.status(result.previousVolume === null ? 201 : 200).send(result);
      },
    );
    done();
  };
