/**
 * Logs when berthd's event loop ran nothing for a while (synchronous work: a big query, a hot
 * loop): every request and agent link waited that long, and without this line the only trace is
 * a client's timeout. Said when the loop is back, with how long it was gone.
 */
const TICK_MS = 500;
export const STALL_WARN_MS = 2_000;
/** The words a stall's log line starts with: test/e2e/support/unresponsive.ts watches for them. */
export const STALL_MESSAGE = 'berthd stalled';

export function watchStalls(
  log: { warn(obj: object, msg: string): void },
  clock: () => number = Date.now,
): () => void {
  let last = clock();
  const timer = setInterval(() => {
    const now = clock();
    const stalled = now - last - TICK_MS;
    last = now;
    if (stalled >= STALL_WARN_MS)
      log.warn(
        { stalledMs: stalled },
        `${STALL_MESSAGE} for ${(stalled / 1000).toFixed(1)} s: its event loop ran nothing meanwhile`,
      );
  }, TICK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
