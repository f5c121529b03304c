import { z } from 'zod';
import { LogLine } from './api-logs.js';
import { AppName, Command, Id } from './names.js';
import { ConcurrencyPolicy } from './schedules.js';
import { Timestamp } from './timestamp.js';

/**
 * One-off runs (`berth run`) and cron jobs (`berth cron`): a container of the app's current
 * release running one command (argv, never a shell string), removed when it ends.
 */

/** A run is killed after this long unless told otherwise (`--timeout`). */
export const DEFAULT_RUN_TIMEOUT_S = 600;
/** A day: a job longer than that is a service, not a run. */
export const MAX_RUN_TIMEOUT_S = 86_400;
/** Lines of a cron run's output kept in its history (the newest). */
export const CRON_LOG_TAIL_LINES = 100;

export const RunTimeoutSeconds = z.number().int().min(1).max(MAX_RUN_TIMEOUT_S);

export const RunCreate = z
  .object({
    cmd: Command,
    timeoutSeconds: RunTimeoutSeconds.optional(),
  })
  .strict();
export type RunCreate = z.infer<typeof RunCreate>;

/** How a run ended: the command's exit code, or the timeout (killed), or the engine could not say. */
export const RunOutcome = z.object({
  /** The command's exit code; null when it was killed at the timeout or the engine did not say. */
  exitCode: z.number().int().nullable(),
  timedOut: z.boolean(),
  durationMs: z.number().int().min(0),
});
export type RunOutcome = z.infer<typeof RunOutcome>;

/** The NDJSON lines of POST /apps/{app}/run: output as it comes, then exactly one `exit` or `error`. */
export const RunStreamLine = z.discriminatedUnion('type', [
  z.object({ type: z.literal('started'), server: z.string(), release: z.number().int() }),
  z.object({ type: z.literal('line'), line: LogLine }),
  z.object({ type: z.literal('exit') }).merge(RunOutcome),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string() }),
]);
export type RunStreamLine = z.infer<typeof RunStreamLine>;

/** Cron job names are like app names: they appear in container names. */
export const CronJobName = AppName;

export const CronJobParams = z.object({ app: AppName, name: CronJobName });

export const CronJobCreate = z
  .object({
    name: CronJobName,
    /** 5 fields, 6 with a leading seconds field, or a nickname (@daily); read in UTC. */
    schedule: z.string().min(1).max(100),
    command: Command,
    timeoutSeconds: RunTimeoutSeconds.optional(),
    concurrency: ConcurrencyPolicy.optional(),
  })
  .strict();
export type CronJobCreate = z.infer<typeof CronJobCreate>;

export const CronJob = z.object({
  id: Id,
  app: AppName,
  name: CronJobName,
  schedule: z.string(),
  command: z.array(z.string()),
  timeoutSeconds: z.number().int(),
  concurrency: ConcurrencyPolicy,
  createdAt: Timestamp,
  /** The fire time the scheduler last acted on; null before the first. */
  lastRunAt: Timestamp.nullable(),
  /** When it fires next (UTC); null if it never does again. */
  nextRunAt: Timestamp.nullable(),
});
export type CronJob = z.infer<typeof CronJob>;

export const CronJobList = z.object({ jobs: z.array(CronJob) });
export type CronJobList = z.infer<typeof CronJobList>;

export const CronRunStatus = z.enum([
  'running',
  'succeeded',
  'failed',
  'timed-out',
  'skipped',
  'replaced',
  'error',
]);
export type CronRunStatus = z.infer<typeof CronRunStatus>;

export const CronRun = z.object({
  id: Id,
  job: CronJobName,
  /** The fire time this run stands for. */
  scheduledAt: Timestamp,
  startedAt: Timestamp.nullable(),
  finishedAt: Timestamp.nullable(),
  status: CronRunStatus,
  exitCode: z.number().int().nullable(),
  durationMs: z.number().int().nullable(),
  /** Fire times skipped in favour of this one (berthd was down across them). */
  missed: z.number().int(),
  /** Why it did not run or what went wrong, in words. */
  note: z.string().nullable(),
  /** The last lines of its output (CRON_LOG_TAIL_LINES at most). */
  logTail: z.array(z.string()),
});
export type CronRun = z.infer<typeof CronRun>;

export const CronRunList = z.object({ runs: z.array(CronRun) });
export type CronRunList = z.infer<typeof CronRunList>;

/** The agent's side (RPC `run`): the results of the one-off container. */
export const AgentRunResult = z.object({ exitCode: z.number().int().nullable(), timedOut: z.boolean() });
export type AgentRunResult = z.infer<typeof AgentRunResult>;
