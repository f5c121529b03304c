import type { BackupRow, BackupScheduleRow, Store } from '@berth/store';
import { scheduleStep, WakeTimer } from '../cron/wake-timer.js';

/**
 * berthd's backup scheduler: the cron scheduler's loop (WakeTimer, core's dueRun) over backup
 * schedules. A due fire time is recorded first (compare-and-set on last_run_at, so two passes
 * never both act on it), then the backup is queued as a durable job like `backups run`. After
 * downtime a schedule runs ONCE, for the latest missed fire time. A schedule whose source or
 * target is gone is removed.
 *
 * The run itself is the job queue's: the scheduler only queues, so a slow backup never holds up
 * another schedule's fire time. A backup still running when the next fire time comes is not
 * doubled: that fire time is recorded and skipped (a backup is a snapshot; two at once only
 * compete for the same disk and link).
 */
export interface BackupSchedulerDeps {
  store: Store;
  clock: () => number;
  enqueue(schedule: BackupScheduleRow): Promise<BackupRow | null>;
  log: { error(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** Longest sleep between looks (a schedule set by another path, a clock that jumped). */
  maxSleepMs?: number;
}

export class BackupScheduler {
  private readonly timer: WakeTimer;

  constructor(private readonly deps: BackupSchedulerDeps) {
    this.timer = new WakeTimer(
      () => this.tick(),
      (err) => this.deps.log.error({ err }, 'the backup scheduler failed a pass'),
    );
  }

  start(): void {
    this.timer.wake();
  }

  /** Looks again now (a schedule was set or removed). */
  wake(): void {
    this.timer.wake();
  }

  /** One pass now, resolved when it is done (tests drive the scheduler with their clock so). */
  passNow(): Promise<void> {
    return this.timer.passNow();
  }

  stop(): Promise<void> {
    return this.timer.stop();
  }

  private async tick(): Promise<number> {
    const { store, clock } = this.deps;
    const now = clock();
    let wakeAt = now + (this.deps.maxSleepMs ?? 60_000);
    for (const schedule of await store.backupSchedules.list(null)) {
      const { due, next } = scheduleStep(schedule.cron, schedule.lastRunAt, schedule.createdAt, now, clock);
      if (due) await this.fire(schedule, due.runAt);
      if (next !== null) wakeAt = Math.min(wakeAt, next);
    }
    return wakeAt - clock();
  }

  private async fire(schedule: BackupScheduleRow, runAt: number): Promise<void> {
    const { store, log } = this.deps;
    // Recorded before anything is queued: whatever happens next, this fire time is not acted on again.
    if (!(await store.backupSchedules.recordFire(schedule.id, schedule.lastRunAt, runAt))) return;
    const inFlight = (
      await store.backups.listBySourceTarget(
        schedule.teamId,
        schedule.sourceKind,
        schedule.sourceId,
        schedule.targetId,
      )
    ).some((b) => b.status === 'running');
    if (inFlight) {
      log.warn({ schedule: schedule.id }, 'a scheduled backup is still running: this fire time is skipped');
      return;
    }
    const queued = await this.deps.enqueue(schedule);
    if (queued === null) {
      log.warn(
        { schedule: schedule.id },
        'the source or target of a backup schedule is gone: schedule removed',
      );
      await store.backupSchedules.delete(schedule.id);
    }
  }
}
