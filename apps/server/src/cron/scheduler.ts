import { setTimeout as sleep } from 'node:timers/promises';
import { decideStart, describeStartDecision } from '@berth/core';
import { BerthError, CRON_LOG_TAIL_LINES, type AgentRunResult, type LogLine } from '@berth/protocol';
import type { AppRow, CronJobRow, CronRunRow, Store } from '@berth/store';
import type { OneOffRequest, OneOffStart } from '../agents/one-off-runs.js';
import { scheduleStep, WakeTimer } from './wake-timer.js';

/**
 * berthd's cron scheduler: wakes at the next fire time of any job, and for each job that is due
 * (core's dueRun: after downtime, ONE run for the latest missed time) records the fire time and
 * the run's row together, then applies the concurrency policy (core's decideStart). The fire
 * time acted on is in the store, so a restart neither repeats a run nor loses one.
 *
 * Not berthd's job queue: that one retries a job until it is done, which is wrong for a run
 * (a command that failed must not run again by itself), and a due run is derived from the
 * schedule and last_run_at, which nothing else needs to hold.
 */
export interface CronSchedulerDeps {
  store: Store;
  clock: () => number;
  newRunId: () => string;
  runOneOff(
    app: AppRow,
    request: OneOffRequest,
    onStarted: (start: OneOffStart) => void,
    onLines: (lines: LogLine[]) => void,
    signal: AbortSignal,
  ): Promise<AgentRunResult | null>;
  log: { error(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** Longest sleep between looks (a job added by another path, a clock that jumped). */
  maxSleepMs?: number;
}

/** How long a due run waits for its server's agent to connect, and how often it looks. */
const AGENT_WAIT_MS = 30_000;
const AGENT_WAIT_STEP_MS = 250;

interface InFlight {
  stop: AbortController;
  done: Promise<void>;
}

export class CronScheduler {
  /** Runs in flight, by job id then run id. */
  private readonly inFlight = new Map<string, Map<string, InFlight>>();
  private readonly timer: WakeTimer;

  constructor(private readonly deps: CronSchedulerDeps) {
    this.timer = new WakeTimer(
      () => this.tick(),
      (err) => this.deps.log.error({ err }, 'the cron scheduler failed a pass'),
    );
  }

  private get stopped(): boolean {
    return this.timer.isStopped;
  }

  /** Marks the runs a previous berthd left `running` (their containers went with its agent links). */
  async start(): Promise<void> {
    for (const r of await this.deps.store.cron.running())
      await this.deps.store.cron.updateRun(r.id, {
        status: 'error',
        finishedAt: this.deps.clock(),
        note: 'berthd stopped during the run; its container was removed',
      });
    this.wake();
  }

  /** Looks again now (a job was added or removed). */
  wake(): void {
    this.timer.wake();
  }

  /** One pass now, resolved when it is done (tests drive the scheduler with their clock so). */
  passNow(): Promise<void> {
    return this.timer.passNow();
  }

  /** Resolves when every run in flight has ended and been recorded. */
  async settled(): Promise<void> {
    await Promise.all([...this.inFlight.values()].flatMap((m) => [...m.values()].map((f) => f.done)));
  }

  /** Stops scheduling and kills the runs in flight. */
  async stop(): Promise<void> {
    const ticking = this.timer.stop();
    const all = [...this.inFlight.values()].flatMap((m) => [...m.values()]);
    for (const f of all) f.stop.abort();
    await Promise.all(all.map((f) => f.done));
    await ticking;
  }

  /** Runs of a job in flight now (the tests and `forbid` read it). */
  runningCount(jobId: string): number {
    return this.inFlight.get(jobId)?.size ?? 0;
  }

  /** One pass: fires what is due; returns how long to sleep until the next fire time. */
  private async tick(): Promise<number> {
    const now = this.deps.clock();
    let wakeAt = now + (this.deps.maxSleepMs ?? 60_000);
    for (const job of await this.deps.store.cron.list(null)) {
      const { due, next } = scheduleStep(job.schedule, job.lastRunAt, job.createdAt, now, this.deps.clock);
      if (due) await this.fire(job, due.runAt, due.missed);
      if (next !== null) wakeAt = Math.min(wakeAt, next);
    }
    return wakeAt - this.deps.clock();
  }

  private async fire(job: CronJobRow, runAt: number, missed: number): Promise<void> {
    const running = this.runningCount(job.id);
    const decision = decideStart(job.concurrency, running);
    const run: CronRunRow = {
      id: this.deps.newRunId(),
      jobId: job.id,
      scheduledAt: runAt,
      startedAt: decision === 'skip' ? null : this.deps.clock(),
      finishedAt: null,
      status: decision === 'skip' ? 'skipped' : 'running',
      exitCode: null,
      durationMs: null,
      missed,
      note:
        running > 0
          ? describeStartDecision(job.concurrency, running)
          : missed > 0
            ? `berthd was down: ${missed} earlier fire time(s) skipped, run once for the latest`
            : null,
      logTail: [],
    };
    // Saved before anything runs: whatever happens next, this fire time is not acted on again.
    await this.deps.store.cron.recordFire(job.id, runAt, run);
    if (decision === 'skip') return;
    if (decision === 'replace') {
      const old = [...(this.inFlight.get(job.id)?.values() ?? [])];
      for (const f of old) f.stop.abort();
      await Promise.all(old.map((f) => f.done));
    }
    this.launch(job, run);
  }

  private launch(job: CronJobRow, run: CronRunRow): void {
    const stop = new AbortController();
    const runs = this.inFlight.get(job.id) ?? new Map<string, InFlight>();
    this.inFlight.set(job.id, runs);
    const done = this.execute(job, run, stop.signal).finally(() => {
      runs.delete(run.id);
      if (runs.size === 0 && this.inFlight.get(job.id) === runs) this.inFlight.delete(job.id);
    });
    runs.set(run.id, { stop, done });
  }

  /**
   * Starts the run, waiting a while for the app's server when its agent is not connected: after
   * berthd starts, the catch-up run is due before the agents are back.
   */
  private async whenConnected<T>(signal: AbortSignal, start: () => Promise<T>): Promise<T> {
    for (let waited = 0; ; waited += AGENT_WAIT_STEP_MS) {
      try {
        return await start();
      } catch (err) {
        const absent = err instanceof BerthError && err.code === 'AGENT_UNAVAILABLE';
        if (!absent || waited >= AGENT_WAIT_MS || signal.aborted || this.stopped) throw err;
      }
      await sleep(AGENT_WAIT_STEP_MS, undefined, { signal }).catch(() => undefined);
    }
  }

  private async auditFailure(job: CronJobRow, run: CronRunRow, patch: Partial<CronRunRow>): Promise<void> {
    const { store, clock } = this.deps;
    const app = await store.apps.getById(job.appId);
    await store.transaction((tx) =>
      tx.audit.append({
        at: clock(),
        actorKind: 'system',
        actorId: null,
        actorName: 'berthd',
        teamId: job.teamId,
        requestId: null,
        action: 'cron.run_failed',
        target: `app:${app?.name ?? job.appId}`,
        outcome: 'failed',
        detail: {
          job: job.name,
          run: run.id,
          status: patch.status ?? 'error',
          exitCode: patch.exitCode ?? null,
          note: (patch.note ?? '').slice(0, 2000),
        },
      }),
    );
  }

  private async execute(job: CronJobRow, run: CronRunRow, signal: AbortSignal): Promise<void> {
    const { store, clock } = this.deps;
    const tail: string[] = [];
    const began = clock();
    const finish = async (patch: Partial<CronRunRow>): Promise<void> => {
      await store.cron.updateRun(run.id, {
        finishedAt: clock(),
        durationMs: clock() - began,
        logTail: tail,
        ...patch,
      });
      // A run that did not succeed is an audited failure, which the team's notification
      // webhooks receive (cron.run_failed → cron.failed).
      if (patch.status === 'failed' || patch.status === 'timed-out' || patch.status === 'error')
        await this.auditFailure(job, run, patch);
    };
    try {
      const app = await store.apps.getById(job.appId);
      if (!app) throw new BerthError('APP_NOT_FOUND', 'the app is gone');
      const result = await this.whenConnected(signal, () =>
        this.deps.runOneOff(
          app,
          { runId: run.id, cmd: job.command, timeoutMs: job.timeoutSeconds * 1000 },
          () => undefined,
          (lines) => {
            for (const l of lines) tail.push(l.line);
            tail.splice(0, Math.max(0, tail.length - CRON_LOG_TAIL_LINES));
          },
          signal,
        ),
      );
      if (!result)
        return await finish({
          status: 'replaced',
          note: this.stopped ? 'berthd stopped during the run' : 'stopped: a newer run replaced it',
        });
      await finish({
        status: result.timedOut ? 'timed-out' : result.exitCode === 0 ? 'succeeded' : 'failed',
        exitCode: result.exitCode,
        ...(result.timedOut && { note: `killed at its timeout (${job.timeoutSeconds}s)` }),
      });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (!(err instanceof BerthError)) this.deps.log.error({ err }, 'a cron run failed');
      await finish({ status: 'error', note: message }).catch((e: unknown) =>
        this.deps.log.error({ err: e }, 'could not record a cron run'),
      );
    }
  }
}
