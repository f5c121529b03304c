/**
 * Stops of running replicas, carried out beside the reconciler's loop rather than inside a tick.
 * A stop lasts as long as the app takes to exit (SIGTERM, then up to the stop timeout before
 * SIGKILL) plus the engine's clean-up: 0.3–1.6 s for the test app here, under load too, and the
 * whole stop timeout for an app that finishes its work first. A tick that waited for it held
 * every other step of every app — the next replica's route, the next drain — so a rollout of N
 * replicas paid N stops one after the other.
 */
export class StopsUnderWay {
  private readonly running = new Map<string, Promise<void>>();

  /** Called when a stop has ended, whether it succeeded or not (the next tick plans again). */
  constructor(private readonly onEnded: () => void) {}

  /** The containers whose stop is under way right now. */
  ids(): ReadonlySet<string> {
    return new Set(this.running.keys());
  }

  get size(): number {
    return this.running.size;
  }

  /** Runs `stop` for the container unless a stop of it is already under way. */
  start(containerId: string, stop: () => Promise<void>): void {
    if (this.running.has(containerId)) return;
    const run = stop()
      .catch(() => undefined)
      .finally(() => {
        this.running.delete(containerId);
        this.onEnded();
      });
    this.running.set(containerId, run);
  }
}
