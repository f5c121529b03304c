import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * The fsyncs of berthd's SQLite file, off its event loop. better-sqlite3 runs on the thread that
 * calls it, so with `synchronous = FULL` every commit waited for an fsync of the WAL on berthd's
 * only thread; under other heavy disk writes (image layers, a database dump) one took seconds,
 * and every request and agent link waited that long (seen as "berthd stalled" lines). So the
 * main connection commits with `synchronous = NORMAL` (written to the WAL, not synced: a kill -9
 * of berthd loses nothing, the OS has it) and this thread, on a connection of its own, runs a
 * PASSIVE checkpoint every `everyMs`: it syncs the WAL, copies it into the database file and
 * syncs that, never blocking the writer. A power cut loses at most the commits of the last
 * `everyMs`. If this thread dies or falls far behind, SQLite's own automatic checkpoint on the
 * main connection (past 10,000 pages: ./sqlite.ts) still keeps the WAL bounded.
 */

/** Runs in the worker as CommonJS (eval), so it needs no file of its own in src or dist. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqlite);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = FULL');
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort.postMessage({ error: String((err && err.message) || err) });
  }
};
const timer = setInterval(checkpoint, workerData.everyMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.postMessage({ stopped: true });
  parentPort.close();
});
`;

export interface Checkpointer {
  /** A last checkpoint, then the thread's connection closes (before the main one, so that one is last). */
  stop(): Promise<void>;
}

export type CheckpointWarn = (message: string) => void;

const defaultWarn: CheckpointWarn = (message) =>
  process.emitWarning(message, { code: 'BERTH_STORE_CHECKPOINT' });

export function startCheckpointer(
  file: string,
  everyMs: number,
  warn: CheckpointWarn = defaultWarn,
): Checkpointer {
  const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, everyMs, sqlite } });
  // A store left open must not keep its process alive.
  worker.unref();
  let said = false;
  const sayOnce = (what: string): void => {
    if (said) return;
    said = true;
    warn(`SQLite's checkpoints off the main thread failed (${what}); SQLite's own checkpoints go on`);
  };
  worker.on('message', (m: { error?: string }) => {
    if (m.error !== undefined) sayOnce(m.error);
  });
  worker.on('error', (err) => sayOnce(err.message));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    async stop() {
      // Held until it has ended: a process that is closing its store waits for the last checkpoint.
      worker.ref();
      worker.postMessage('stop');
      // The last checkpoint waits at most busy_timeout for a writer; past that, end the thread.
      const ended = await Promise.race([
        exited.then(() => true),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), 10_000).unref()),
      ]);
      if (!ended) await worker.terminate();
    },
  };
}
