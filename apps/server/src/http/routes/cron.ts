import { nextRuns, parseSchedule } from '@berth/core';
import {
  AppParams,
  BerthError,
  CronJob,
  CronJobCreate,
  CronJobList,
  CronJobParams,
  CronRunList,
  DEFAULT_CONCURRENCY_POLICY,
  DEFAULT_RUN_TIMEOUT_S,
  type CronRun,
} from '@berth/protocol';
import type { AppRow, CronJobRow, CronRunRow } from '@berth/store';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { scopeApp } from '../../access/authorize.js';
import { intentOf, recordDone } from '../../audit/intent.js';
import { createId } from '../../ids.js';
import type { RouteContext } from '../context.js';
import { problemResponses } from '../schemas.js';

/** History kept per job in the answer (the newest). */
const RUNS_SHOWN = 50;

/**
 * An app's cron jobs: `berth cron add|list|runs|remove`. Each run is a one-off container of the
 * app's current release (runs.ts's), started by berthd's scheduler (cron/scheduler.ts).
 */
export const cronRoutes =
  (ctx: RouteContext): FastifyPluginCallbackZod =>
  (app, _opts, done) => {
    app.get(
      '/apps/:app/cron',
      {
        config: { access: { kind: 'app', permission: 'app:read' } },
        schema: {
          operationId: 'listCronJobs',
          tags: ['cron'],
          params: AppParams,
          response: { 200: CronJobList, ...problemResponses },
        },
      },
      async (request) => {
        const row = scopeApp(request);
        const jobs = await ctx.store.cron.list(row.id);
        return { jobs: jobs.map((j) => toJobView(j, row, ctx.clock())) };
      },
    );

    app.post(
      '/apps/:app/cron',
      {
        config: { access: { kind: 'app', permission: 'app:deploy' }, audit: 'cron.create' },
        schema: {
          operationId: 'createCronJob',
          tags: ['cron'],
          summary:
            'Run a command (argv, no shell) on a schedule, each run a new container of the current release',
          params: AppParams,
          body: CronJobCreate,
          response: { 201: CronJob, ...problemResponses },
        },
      },
      async (request, reply) => {
        const row = scopeApp(request);
        const parsed = parseSchedule(request.body.schedule);
        if (!parsed.ok)
          throw new BerthError('VALIDATION_FAILED', `Invalid schedule: ${parsed.reason}`, {
            issues: [{ path: 'schedule', message: parsed.reason }],
          });
        const job: CronJobRow = {
          id: createId('crj'),
          teamId: row.teamId,
          appId: row.id,
          name: request.body.name,
          schedule: parsed.schedule.expression,
          command: request.body.command,
          timeoutSeconds: request.body.timeoutSeconds ?? DEFAULT_RUN_TIMEOUT_S,
          concurrency: request.body.concurrency ?? DEFAULT_CONCURRENCY_POLICY,
          createdAt: ctx.clock(),
          lastRunAt: null,
        };
        const intent = intentOf(request, `app:${row.name}`, {
          job: job.name,
          schedule: job.schedule,
          cmd: JSON.stringify(job.command),
          timeoutSeconds: job.timeoutSeconds,
          concurrency: job.concurrency,
        });
        await ctx.store.transaction(async (tx) => {
          await tx.cron.create(job);
          await recordDone(tx, intent, ctx.clock());
        });
        request.audited = true;
        ctx.cron.wake();
        return reply.status(201).send(toJobView(job, row, ctx.clock()));
      },
    );

    app.delete(
      '/apps/:app/cron/:name',
      {
        config: { access: { kind: 'app', permission: 'app:deploy' }, audit: 'cron.delete' },
        schema: {
          operationId: 'deleteCronJob',
          tags: ['cron'],
          summary: 'Remove a cron job and its history (a run in progress finishes)',
          params: CronJobParams,
          response: { 204: z.null().describe('Removed'), ...problemResponses },
        },
      },
      async (request, reply) => {
        const row = scopeApp(request);
        const job = await jobOf(ctx, row, request.params.name);
        const intent = intentOf(request, `app:${row.name}`, { job: job.name });
        await ctx.store.transaction(async (tx) => {
          await tx.cron.delete(job.id);
          await recordDone(tx, intent, ctx.clock());
        });
        request.audited = true;
        ctx.cron.wake();
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/apps/:app/cron/:name/runs',
      {
        config: { access: { kind: 'app', permission: 'app:logs' } },
        schema: {
          operationId: 'listCronRuns',
          tags: ['cron'],
          summary: "A job's runs, newest first: exit code, duration and the last lines of output",
          params: CronJobParams,
          response: { 200: CronRunList, ...problemResponses },
        },
      },
      async (request) => {
        const row = scopeApp(request);
        const job = await jobOf(ctx, row, request.params.name);
        return { runs: (await ctx.store.cron.runs(job.id, RUNS_SHOWN)).map((r) => toRunView(r, job.name)) };
      },
    );
    done();
  };

async function jobOf(ctx: RouteContext, app: AppRow, name: string): Promise<CronJobRow> {
  const job = await ctx.store.cron.getByName(app.id, name);
  if (!job)
    throw new BerthError('CRON_JOB_NOT_FOUND', `${app.name} has no cron job named "${name}"`, {
      hint: `See its jobs with: berth cron list ${app.name}`,
    });
  return job;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function toJobView(j: CronJobRow, app: AppRow, now: number): CronJob {
  const parsed = parseSchedule(j.schedule);
  const [next] = parsed.ok ? nextRuns(parsed.schedule, Math.max(now, j.lastRunAt ?? j.createdAt), 1) : [];
  return {
    id: j.id,
    app: app.name,
    name: j.name,
    schedule: j.schedule,
    command: j.command,
    timeoutSeconds: j.timeoutSeconds,
    concurrency: j.concurrency,
    createdAt: new Date(j.createdAt).toISOString(),
    lastRunAt: iso(j.lastRunAt),
    nextRunAt: iso(next ?? null),
  };
}

const toRunView = (r: CronRunRow, job: string): CronRun => ({
  id: r.id,
  job,
  scheduledAt: new Date(r.scheduledAt).toISOString(),
  startedAt: iso(r.startedAt),
  finishedAt: iso(r.finishedAt),
  status: r.status,
  exitCode: r.exitCode,
  durationMs: r.durationMs,
  missed: r.missed,
  note: r.note,
  logTail: r.logTail,
});
