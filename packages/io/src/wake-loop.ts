/**
 * A loop that does a pass, then sleeps until its next pass is due or someone wakes it: the job
 * worker (a new job was queued) and the agent's reconciler (a push from berthd, a health change).
 */
export interface WakeLoopOptions {
  /** One pass; resolves to how long to sleep before the next one (0 or less: run again at once). */
  pass: () => Promise<number>;
  /** A pass that threw. The loop goes on after errorDelayMs. */
  onError: (err: unknown) => void;
  errorDelayMs: number;
}

export interface WakeLoop {
  /** Ends the current sleep. A wake that comes during a pass is not lost: the next pass starts without sleeping. */
  wake(): void;
  /** Ends the loop after the pass under way; resolves once it has. */
  stop(): Promise<void>;
}

/** Starts the loop; the first pass runs at once. */
export function startWakeLoop(options: WakeLoopOptions): WakeLoop {
  let stopped = false;
  let wakePending = false;
  let wakeUp: (() => void) | null = null;

  const sleep = (ms: number): Promise<void> =>
    new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        wakeUp = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      wakeUp = done;
    });

  const run = async (): Promise<void> => {
    while (!stopped) {
      wakePending = false;
      let delayMs: number;
      try {
        delayMs = await options.pass();
      } catch (err) {
        options.onError(err);
        delayMs = options.errorDelayMs;
      }
      if (stopped) return;
      if (wakePending || delayMs <= 0) continue;
      await sleep(delayMs);
    }
  };
  const running = run();

  return {
    wake() {
      wakePending = true;
      wakeUp?.();
    },
    async stop() {
      stopped = true;
      wakeUp?.();
      await running;
    },
  };
}
