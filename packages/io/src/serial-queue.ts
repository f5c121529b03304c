/**
 * Runs tasks one at a time, in call order: overlapping callers that each read, compare and write
 * an outside thing (a proxy's config, a table file) would otherwise write an older state last.
 * A failed task does not stop the ones after it.
 */
export function createSerialQueue(): <T>(task: () => Promise<T>) => Promise<T> {
  let queue: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  };
}
