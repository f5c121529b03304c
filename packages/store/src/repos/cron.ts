import { BerthError, parseJsonOrNull } from '@berth/protocol';
import { isUniqueViolation } from '../db-errors.js';
import type {
  CronConcurrency,
  CronJobRow,
  CronJobsTable,
  CronRepo,
  CronRunRow,
  CronRunState,
  CronRunsTable,
} from '../types-cron.js';
import { atomically, type Db } from './db.js';

/** Cron jobs and their run history. */
export function createCronRepo(db: Db): CronRepo {
  return {
    async create(row) {
      try {
        await db.insertInto('cron_jobs').values(toJobRecord(row)).execute();
      } catch (err) {
        if (isUniqueViolation(err, 'cron_jobs', ['app_id', 'name']))
          throw new BerthError('CRON_JOB_EXISTS', `The app already has a cron job named "${row.name}"`, {
            hint: 'Pick another name, or remove it first: berth cron remove APP NAME',
            cause: err,
          });
        throw err;
      }
    },

    async getByName(appId, name) {
      const r = await db
        .selectFrom('cron_jobs')
        .selectAll()
        .where('app_id', '=', appId)
        .where('name', '=', name)
        .executeTakeFirst();
      return r ? toJobRow(r) : null;
    },

    async list(appId) {
      let q = db.selectFrom('cron_jobs').selectAll();
      if (appId !== null) q = q.where('app_id', '=', appId);
      return (await q.orderBy('name').orderBy('id').execute()).map(toJobRow);
    },

    async delete(id) {
      await atomically(db, async (trx) => {
        await trx.deleteFrom('cron_runs').where('job_id', '=', id).execute();
        await trx.deleteFrom('cron_jobs').where('id', '=', id).execute();
      });
    },

    async recordFire(jobId, runAt, run) {
      await atomically(db, async (trx) => {
        await trx.updateTable('cron_jobs').set({ last_run_at: runAt }).where('id', '=', jobId).execute();
        await trx.insertInto('cron_runs').values(toRunRecord(run)).execute();
      });
    },

    async updateRun(id, patch) {
      const set: Partial<CronRunsTable> = {
        ...(patch.scheduledAt !== undefined && { scheduled_at: patch.scheduledAt }),
        ...(patch.startedAt !== undefined && { started_at: patch.startedAt }),
        ...(patch.finishedAt !== undefined && { finished_at: patch.finishedAt }),
        ...(patch.status !== undefined && { status: patch.status }),
        ...(patch.exitCode !== undefined && { exit_code: patch.exitCode }),
        ...(patch.durationMs !== undefined && { duration_ms: patch.durationMs }),
        ...(patch.missed !== undefined && { missed: patch.missed }),
        ...(patch.note !== undefined && { note: patch.note }),
        ...(patch.logTail !== undefined && { log_tail: JSON.stringify(patch.logTail) }),
      };
      if (Object.keys(set).length === 0) return;
      await db.updateTable('cron_runs').set(set).where('id', '=', id).execute();
    },

    async runs(jobId, limit) {
      const rows = await db
        .selectFrom('cron_runs')
        .selectAll()
        .where('job_id', '=', jobId)
        .orderBy('scheduled_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(toRunRow);
    },

    async running() {
      const rows = await db.selectFrom('cron_runs').selectAll().where('status', '=', 'running').execute();
      return rows.map(toRunRow);
    },
  };
}

const toJobRecord = (r: CronJobRow): CronJobsTable => ({
  id: r.id,
  team_id: r.teamId,
  app_id: r.appId,
  name: r.name,
  schedule: r.schedule,
  command: JSON.stringify(r.command),
  timeout_s: r.timeoutSeconds,
  concurrency: r.concurrency,
  created_at: r.createdAt,
  last_run_at: r.lastRunAt,
});

const toJobRow = (r: CronJobsTable): CronJobRow => ({
  id: r.id,
  teamId: r.team_id,
  appId: r.app_id,
  name: r.name,
  schedule: r.schedule,
  command: stringsOf(r.command),
  timeoutSeconds: Number(r.timeout_s),
  concurrency: r.concurrency as CronConcurrency,
  createdAt: Number(r.created_at),
  lastRunAt: r.last_run_at === null ? null : Number(r.last_run_at),
});

const toRunRecord = (r: CronRunRow): CronRunsTable => ({
  id: r.id,
  job_id: r.jobId,
  scheduled_at: r.scheduledAt,
  started_at: r.startedAt,
  finished_at: r.finishedAt,
  status: r.status,
  exit_code: r.exitCode,
  duration_ms: r.durationMs,
  missed: r.missed,
  note: r.note,
  log_tail: JSON.stringify(r.logTail),
});

const toRunRow = (r: CronRunsTable): CronRunRow => ({
  id: r.id,
  jobId: r.job_id,
  scheduledAt: Number(r.scheduled_at),
  startedAt: r.started_at === null ? null : Number(r.started_at),
  finishedAt: r.finished_at === null ? null : Number(r.finished_at),
  status: r.status as CronRunState,
  exitCode: r.exit_code,
  durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
  missed: Number(r.missed),
  note: r.note,
  logTail: stringsOf(r.log_tail),
});

function stringsOf(text: string): string[] {
  const v: unknown = parseJsonOrNull(text);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
