import { dueRun, nextWakeAt, parseSchedule, type DueRun } from '@berth/core';

/**
 * The loop both of berthd's schedulers (cron jobs, backup schedules) run on: one pass at a time,
 * each returning how long to sleep before the next; `wake()` runs one now (something was added
 * or removed), `passNow()` lets a test with an injected clock drive it pass by pass.
 */
export class WakeTimer {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private ticking: Promise<void> = Promise.resolve();

  constructor(
    private readonly pass: () => Promise<number>,
    private readonly onError: (err: unknown) => void,
  ) {}

  get isStopped(): boolean {
    return this.stopped;
  }

  wake(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.ticking = this.ticking
      .then(async () => {
        if (this.stopped) return;
        this.sleep(await this.pass());
      })
      .catch((err: unknown) => {
        this.onError(err);
        this.sleep(1000);
      });
  }

  async passNow(): Promise<void> {
    this.wake();
    await this.ticking;
  }

  /** No pass starts after this; resolves when the one under way has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
  }

  private sleep(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => this.wake(), Math.max(0, ms));
    this.timer.unref?.();
  }
}

/**
 * One scheduled thing's step of a pass (core's dueRun and nextWakeAt): the run due now, if any
 * (after downtime ONE, for the latest missed fire time), and when it is next due after that.
 * An expression that no longer parses is never due.
 */
export function scheduleStep(
  expr: string,
  lastRunAt: number | null,
  createdAt: number,
  now: number,
  clock: () => number,
): { due: DueRun | null; next: number | null } {
  const parsed = parseSchedule(expr);
  if (!parsed.ok) return { due: null, next: null };
  const due = dueRun(parsed.schedule, lastRunAt, createdAt, now);
  return { due, next: nextWakeAt(parsed.schedule, due ? due.runAt : lastRunAt, createdAt, clock()) };
}
