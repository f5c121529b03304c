import { BerthError } from '@berth/protocol';
import { parseJson, toJson } from '../json.js';
import type { Expression, ExpressionBuilder, UpdateObject } from 'kysely';
import type { Database, JobsRecord } from '../schema.js';
import type { JobRepo, JobRow, JobStatus } from '../types.js';
import { claimJob, failExhaustedJobs } from './jobs-claim.js';
import type { Db } from './db.js';

export const DEFAULT_MAX_ATTEMPTS = 5;

export function createJobRepo(db: Db): JobRepo {
  const get = async (id: string): Promise<JobRow | null> => {
    const r = await db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toJobRow(r) : null;
  };

  return {
    async enqueue(job, now) {
      const key = job.idempotencyKey ?? null;
      const inserted = await db
        .insertInto('jobs')
        .values({
          id: job.id,
          kind: job.kind,
          payload: toJson(job.payload),
          idempotency_key: key,
          concurrency_key: job.concurrencyKey ?? null,
          status: 'queued',
          attempts: 0,
          max_attempts: job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
          next_run_at: job.runAt ?? now,
          created_at: now,
          updated_at: now,
        })
        // The conflict target repeats the partial index's predicate, as SQLite and PostgreSQL
        // both require to match a partial unique index.
        .onConflict((oc) => oc.column('idempotency_key').where('idempotency_key', 'is not', null).doNothing())
        .returningAll()
        .executeTakeFirst();
      if (inserted) return toJobRow(inserted);
      const existing = key === null ? undefined : await findByKey(db, key);
      if (!existing)
        throw new BerthError('INTERNAL', `Enqueueing job ${job.id} (${job.kind}) inserted nothing`);
      return toJobRow(existing);
    },

    async claim(owner, now, leaseMs, kinds) {
      const r = await claimJob(db, { owner, now, leaseMs, kinds });
      return r ? toJobRow(r) : null;
    },

    async failExhausted(now) {
      return (await failExhaustedJobs(db, now)).map(toJobRow);
    },

    async renew(id, owner, leaseUntil) {
      const res = await db
        .updateTable('jobs')
        .set({ lease_until: leaseUntil })
        .where('id', '=', id)
        .where('status', '=', 'running')
        .where('lease_owner', '=', owner)
        .executeTakeFirst();
      return res.numUpdatedRows > 0n;
    },

    async complete(id, owner, now) {
      // The owner stays on the row as a record of who ran it; the lease is over. last_error is
      // kept too: "succeeded after a retry of X" is worth knowing.
      await db
        .updateTable('jobs')
        .set({ status: 'succeeded', lease_until: null, updated_at: now })
        .where('id', '=', id)
        .where('status', '=', 'running')
        .where('lease_owner', '=', owner)
        .execute();
    },

    async fail(id, owner, error, retryAt, now) {
      const r = await db
        .updateTable('jobs')
        .set(toFailure(error, retryAt, now))
        .where('id', '=', id)
        .where('status', '=', 'running')
        .where('lease_owner', '=', owner)
        .returningAll()
        .executeTakeFirst();
      if (r) return toJobRow(r);
      // Not ours (any more): leave the row alone and report what it is now.
      const current = await get(id);
      if (!current) throw new BerthError('INTERNAL', `No job with id "${id}"`);
      return current;
    },

    get,
  };
}

/** Retry at retryAt while attempts remain, else fail for good. */
function toFailure(error: string, retryAt: number | null, now: number) {
  return (eb: ExpressionBuilder<Database, 'jobs'>): UpdateObject<Database, 'jobs'> => {
    if (retryAt === null) return { status: 'failed', lease_until: null, last_error: error, updated_at: now };
    // Decided in the statement from the row's own attempts, not from a value read before.
    const retry = eb('attempts', '<', eb.ref('max_attempts'));
    const either = <T>(ifRetry: Expression<T>, otherwise: Expression<T>) =>
      eb.case().when(retry).then(ifRetry).else(otherwise).end();
    return {
      status: either(eb.val<JobStatus>('queued'), eb.val<JobStatus>('failed')),
      next_run_at: either(eb.val(retryAt), eb.ref('next_run_at')),
      // A retried job is nobody's; a failed one keeps its owner as the record of who ran it last.
      lease_owner: either(eb.val<string | null>(null), eb.ref('lease_owner')),
      lease_until: null,
      last_error: error,
      updated_at: now,
    };
  };
}

const findByKey = (db: Db, key: string): Promise<JobsRecord | undefined> =>
  db.selectFrom('jobs').selectAll().where('idempotency_key', '=', key).executeTakeFirst();

export const toJobRow = (r: JobsRecord): JobRow => ({
  id: r.id,
  kind: r.kind,
  payload: parseJson(r.payload, { table: 'jobs', id: r.id, column: 'payload' }),
  idempotencyKey: r.idempotency_key,
  concurrencyKey: r.concurrency_key,
  status: r.status,
  attempts: r.attempts,
  maxAttempts: r.max_attempts,
  leaseOwner: r.lease_owner,
  leaseUntil: r.lease_until,
  nextRunAt: r.next_run_at,
  lastError: r.last_error,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});
