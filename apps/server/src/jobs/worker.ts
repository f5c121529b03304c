import { backoffDelayMs } from '@berth/core';
import { startWakeLoop } from '@berth/io';
import { isBerthError } from '@berth/protocol';
import type { JobRow, Store } from '@berth/store';
import type { FastifyBaseLogger } from 'fastify';

export type JobHandler = (payload: unknown, signal: AbortSignal) => Promise<void>;

export interface WorkerOptions {
  store: Store;
  clock: () => number;
  log: FastifyBaseLogger;
  owner: string;
  handlers: Record<string, JobHandler>;
  /** A crashed worker's job is re-claimed this long after its last renewal. */
  leaseMs?: number;
  pollMs?: number;
  concurrency?: number;
  /** Called when a job has failed for good, so its subject (e.g. a deployment) can say so. */
  onGaveUp?: (job: JobRow, error: string) => Promise<void>;
}

/** 1 s, 2 s, 4 s … capped at a minute. */
const RETRY_BACKOFF = { firstMs: 1000, maxMs: 60_000 };

/**
 * Claims durable jobs and runs them under a lease that a timer keeps renewing. If this process
 * dies, the lease lapses and the next berthd re-claims the job; if the lease is lost while
 * running (another worker took it), the handler's signal aborts.
 */
export function startWorker(opts: WorkerOptions): { wake(): void; stop(): Promise<void> } {
  const { store, clock, log, owner, handlers } = opts;
  const leaseMs = opts.leaseMs ?? 10_000;
  const pollMs = opts.pollMs ?? 500;
  const concurrency = opts.concurrency ?? 8;
  const running = new Set<Promise<void>>();
  const stopping = new AbortController();
  const run = async (job: JobRow): Promise<void> => {
    const handler = handlers[job.kind];
    const lease = new AbortController();
    const renew = setInterval(() => {
      store.jobs
        .renew(job.id, owner, clock() + leaseMs)
        .then((held) => {
          if (!held) lease.abort(new Error('lease lost'));
        })
        .catch((err: unknown) => log.warn({ err, job: job.id }, 'lease renewal failed'));
    }, leaseMs / 3);
    try {
      if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
      await handler(job.payload, AbortSignal.any([lease.signal, stopping.signal]));
      await store.jobs.complete(job.id, owner, clock());
    } catch (err) {
      if (stopping.signal.aborted || lease.signal.aborted) return;
      const retryable = !isBerthError(err) || err.retryable;
      const retryAt = retryable ? clock() + backoffDelayMs(job.attempts, RETRY_BACKOFF) : null;
      const message = err instanceof Error ? err.message : String(err);
      const after = await store.jobs.fail(job.id, owner, message, retryAt, clock());
      log.warn(
        { job: job.id, kind: job.kind, attempts: after.attempts, status: after.status, err },
        'job failed',
      );
      if (after.status === 'failed') await opts.onGaveUp?.(after, message);
    } finally {
      clearInterval(renew);
    }
  };

  /** Jobs whose worker died on their last attempt: failed for good, and their subject told. */
  const sweepExhausted = async (): Promise<void> => {
    for (const job of await store.jobs.failExhausted(clock())) {
      log.warn(
        { job: job.id, kind: job.kind, attempts: job.attempts },
        'job failed: its lease lapsed on its last attempt',
      );
      await opts.onGaveUp?.(job, job.lastError ?? 'its worker stopped on every attempt');
    }
  };

  /** Claims one job and starts it; the next claim comes at once after one, after pollMs after none. */
  const claimNext = async (): Promise<number> => {
    await sweepExhausted().catch((err: unknown) => log.error({ err }, 'failing exhausted jobs failed'));
    if (running.size >= concurrency) return pollMs;
    const job = await store.jobs.claim(owner, clock(), leaseMs);
    if (!job) return pollMs;
    const p = run(job)
      .catch((err: unknown) =>
        log.error({ err, job: job.id }, 'job bookkeeping failed; its lease will lapse and it runs again'),
      )
      .finally(() => running.delete(p));
    running.add(p);
    return 0;
  };
  const loop = startWakeLoop({
    pass: claimNext,
    onError: (err) => log.warn({ err }, 'claiming a job failed'),
    errorDelayMs: pollMs,
  });

  return {
    wake: () => loop.wake(),
    async stop() {
      stopping.abort();
      await loop.stop();
      await Promise.allSettled(running);
    },
  };
}
