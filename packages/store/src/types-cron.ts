/** Cron jobs and their runs (issue 12): the tables, the rows and the repository. */

/** Added by 0018. */
export interface CronJobsTable {
  id: string;
  team_id: string;
  app_id: string;
  name: string;
  schedule: string;
  command: string;
  timeout_s: number;
  concurrency: string;
  created_at: number;
  last_run_at: number | null;
}

/** Added by 0018. */
export interface CronRunsTable {
  id: string;
  job_id: string;
  scheduled_at: number;
  started_at: number | null;
  finished_at: number | null;
  status: string;
  exit_code: number | null;
  duration_ms: number | null;
  missed: number;
  note: string | null;
  log_tail: string;
}

export type CronConcurrency = 'forbid' | 'allow' | 'replace';
export type CronRunState =
  'running' | 'succeeded' | 'failed' | 'timed-out' | 'skipped' | 'replaced' | 'error';

export interface CronJobRow {
  id: string;
  teamId: string;
  appId: string;
  name: string;
  /** As parsed by @berth/core's parseSchedule (re-parse it to use it). */
  schedule: string;
  command: string[];
  timeoutSeconds: number;
  concurrency: CronConcurrency;
  createdAt: number;
  lastRunAt: number | null;
}

export interface CronRunRow {
  id: string;
  jobId: string;
  scheduledAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  status: CronRunState;
  exitCode: number | null;
  durationMs: number | null;
  missed: number;
  note: string | null;
  logTail: string[];
}

export interface CronRepo {
  /** Throws BerthError CRON_JOB_EXISTS when the app has a job of that name. */
  create(row: CronJobRow): Promise<void>;
  getByName(appId: string, name: string): Promise<CronJobRow | null>;
  /** An app's jobs by name; every app's when appId is null (the scheduler). */
  list(appId: string | null): Promise<CronJobRow[]>;
  /** Removes the job and its history. */
  delete(id: string): Promise<void>;
  /** Records the fire time acted on and its run row together: a restart never acts on it twice. */
  recordFire(jobId: string, runAt: number, run: CronRunRow): Promise<void>;
  /** Updates a run (its end, its log tail). A run of a deleted job is not there: nothing happens. */
  updateRun(id: string, patch: Partial<Omit<CronRunRow, 'id' | 'jobId'>>): Promise<void>;
  /** A job's runs, newest first. */
  runs(jobId: string, limit: number): Promise<CronRunRow[]>;
  /** Runs still `running`: at berthd's start, those its previous life left (their containers are gone). */
  running(): Promise<CronRunRow[]>;
}
