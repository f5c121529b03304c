import type { ExpressionBuilder } from 'kysely';
import type { Database, JobsRecord } from '../schema.js';
import type { Db } from './db.js';

export interface ClaimRequest {
  owner: string;
  now: number;
  leaseMs: number;
  kinds: readonly string[] | undefined;
}

/**
 * Claims one job with a single UPDATE … WHERE id = (SELECT …) RETURNING. SQLite takes the write
 * lock before the statement reads anything, so choosing and taking the job cannot interleave with
 * another connection's claim: two workers, in one process or two, never get the same job.
 * The due condition is repeated on the UPDATE so that a dialect that re-evaluates the row after a
 * concurrent write (PostgreSQL under READ COMMITTED) sees it is taken and updates nothing.
 */
export async function claimJob(db: Db, req: ClaimRequest): Promise<JobsRecord | null> {
  if (req.kinds !== undefined && req.kinds.length === 0) return null;
  const { owner, now, leaseMs } = req;
  const r = await db
    .updateTable('jobs')
    .set((eb) => ({
      status: 'running',
      lease_owner: owner,
      lease_until: now + leaseMs,
      attempts: eb('attempts', '+', eb.lit(1)),
      updated_at: now,
    }))
    .where('id', '=', pickCandidate(db, req))
    .where((eb) => isDue(eb, now))
    .returningAll()
    .executeTakeFirst();
  return r ?? null;
}

type JobsEb = ExpressionBuilder<Database, 'jobs'>;

/** queued and due, or running under a lapsed lease (its worker died) with attempts left. */
const isDue = (eb: JobsEb, now: number) =>
  eb.or([
    eb.and([eb('status', '=', 'queued'), eb('next_run_at', '<=', now)]),
    eb.and([
      eb('status', '=', 'running'),
      eb('lease_until', '<', now),
      eb('attempts', '<', eb.ref('max_attempts')),
    ]),
  ]);

/** The oldest due job whose concurrency key no other job holds under a live lease. */
function pickCandidate(db: Db, { now, kinds }: ClaimRequest) {
  return db
    .selectFrom('jobs')
    .select('jobs.id')
    .where((eb) => isDue(eb, now))
    .$if(kinds !== undefined, (qb) => qb.where('jobs.kind', 'in', kinds ?? []))
    .where((eb) =>
      eb.or([
        eb('jobs.concurrency_key', 'is', null),
        eb.not(
          eb.exists(
            eb
              .selectFrom('jobs as other')
              .select('other.id')
              .whereRef('other.concurrency_key', '=', 'jobs.concurrency_key')
              .whereRef('other.id', '!=', 'jobs.id')
              .where('other.status', '=', 'running')
              .where('other.lease_until', '>=', now),
          ),
        ),
      ]),
    )
    .orderBy('jobs.next_run_at')
    .orderBy('jobs.created_at')
    .orderBy('jobs.id')
    .limit(1);
}

/**
 * A job whose lease lapsed after its last allowed attempt is not run again (it may be what kills
 * the worker); it is failed for good. Each row is updated only if it is still in that state, so
 * of two workers sweeping at once exactly one gets each job back (to say why its subject failed).
 */
export async function failExhaustedJobs(db: Db, now: number): Promise<JobsRecord[]> {
  const stale = await db
    .selectFrom('jobs')
    .select(['id', 'attempts'])
    .where('status', '=', 'running')
    .where('lease_until', '<', now)
    .where((eb) => eb('attempts', '>=', eb.ref('max_attempts')))
    .execute();
  const failed: JobsRecord[] = [];
  for (const job of stale) {
    const r = await db
      .updateTable('jobs')
      .set({
        status: 'failed',
        last_error: `lease expired after ${job.attempts} attempts`,
        lease_until: null,
        updated_at: now,
      })
      .where('id', '=', job.id)
      .where('status', '=', 'running')
      .where('lease_until', '<', now)
      .returningAll()
      .executeTakeFirst();
    if (r) failed.push(r);
  }
  return failed;
}
