// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { BerthError } from '@berth/protocol';
import BetterSqlite3 from 'better-sqlite3';
import { newId, NOW, openTempStore } from '../test-support/fixtures.js';
import type { NewJob, Store } from '../types.js';

const LEASE = 30_000;
const job = (over: Partial<NewJob> = {}): NewJob => ({
  id: newId('job'),
  kind: 'deploy',
  payload: { n: 1 },
  ...over,
});

async function withStore(fn: (store: Store, reopen: () => Promise<Store>) => Promise<void>): Promise<void> {
  const env = await openTempStore();
  try {
    await fn(env.store, env.reopen);
  } finally {
    await env.done();
  }
}

describe('JobRepo.enqueue', () => {
  it('stores a queued job with defaults', () =>
    withStore(async (store) => {
      const j = await store.jobs.enqueue(job({ payload: { appId: 'app_x', list: [1, 'a'] } }), NOW);
      assert.equal(j.status, 'queued');
      assert.equal(j.attempts, 0);
      assert.equal(j.maxAttempts, 5);
      assert.equal(j.nextRunAt, NOW);
      assert.deepEqual(j.payload, { appId: 'app_x', list: [1, 'a'] });
      assert.deepEqual(await store.jobs.get(j.id), j);
      assert.equal(await store.jobs.get(newId('job')), null);
    }));

  it('returns the existing job for a repeated idempotency key', () =>
    withStore(async (store) => {
      const first = await store.jobs.enqueue(job({ idempotencyKey: 'deploy:1', payload: 'first' }), NOW);
      const again = await store.jobs.enqueue(job({ idempotencyKey: 'deploy:1', payload: 'second' }), NOW + 5);
      assert.deepEqual(again, first);
      const other = await store.jobs.enqueue(job({ idempotencyKey: null }), NOW);
      const another = await store.jobs.enqueue(job({ idempotencyKey: null }), NOW);
      assert.notEqual(other.id, another.id);
    }));
});

describe('JobRepo rows', () => {
  it('reports a corrupt payload as INTERNAL naming jobs.payload and the row', async () => {
    const env = await openTempStore();
    try {
      const j = await env.store.jobs.enqueue(job(), NOW);
      const raw = new BetterSqlite3(env.tmp.file);
      raw.prepare('update jobs set payload = ? where id = ?').run('{nope', j.id);
      raw.close();
      await assert.rejects(env.store.jobs.get(j.id), (err: unknown) => {
        assert.ok(err instanceof BerthError && err.code === 'INTERNAL');
        assert.match(err.message, new RegExp(`jobs\\.payload of row "${j.id}"`));
        return true;
      });
    } finally {
      await env.done();
    }
  });
});

describe('JobRepo.claim', () => {
  it('leases the job to one owner; renew, complete and fail only work for that owner', () =>
    withStore(async (store) => {
      const j = await store.jobs.enqueue(job(), NOW);
      const c = await store.jobs.claim('w1', NOW, LEASE);
      assert.deepEqual(
        { id: c?.id, status: c?.status, owner: c?.leaseOwner, until: c?.leaseUntil, attempts: c?.attempts },
        { id: j.id, status: 'running', owner: 'w1', until: NOW + LEASE, attempts: 1 },
      );
      assert.equal(await store.jobs.claim('w2', NOW, LEASE), null);
      assert.equal(await store.jobs.renew(j.id, 'w2', NOW + 2 * LEASE), false);
      assert.equal(await store.jobs.renew(j.id, 'w1', NOW + 2 * LEASE), true);
      assert.equal((await store.jobs.get(j.id))?.leaseUntil, NOW + 2 * LEASE);
      await store.jobs.complete(j.id, 'w2', NOW + 1);
      assert.equal((await store.jobs.fail(j.id, 'w2', 'nope', null, NOW + 1)).status, 'running');
      await store.jobs.complete(j.id, 'w1', NOW + 2);
      const done = await store.jobs.get(j.id);
      assert.equal(done?.status, 'succeeded');
      assert.equal(done?.updatedAt, NOW + 2);
      assert.equal(await store.jobs.renew(j.id, 'w1', NOW + 3 * LEASE), false);
      assert.equal(await store.jobs.claim('w1', NOW + 10 * LEASE, LEASE), null);
    }));

  it('takes the oldest due job, honours runAt and the kinds filter', () =>
    withStore(async (store) => {
      const later = await store.jobs.enqueue(job({ runAt: NOW + 1000 }), NOW);
      const older = await store.jobs.enqueue(job({ kind: 'build' }), NOW - 10);
      const newer = await store.jobs.enqueue(job(), NOW);
      assert.equal(await store.jobs.claim('w', NOW, LEASE, []), null);
      assert.equal((await store.jobs.claim('w', NOW, LEASE, ['deploy']))?.id, newer.id);
      assert.equal((await store.jobs.claim('w', NOW, LEASE))?.id, older.id);
      assert.equal(await store.jobs.claim('w', NOW + 999, LEASE), null);
      assert.equal((await store.jobs.claim('w', NOW + 1000, LEASE))?.id, later.id);
    }));

  it('re-claims a job whose lease lapsed, for another owner, with attempts incremented', () =>
    withStore(async (store) => {
      const j = await store.jobs.enqueue(job(), NOW);
      await store.jobs.claim('w1', NOW, 1000);
      assert.equal(
        await store.jobs.claim('w2', NOW + 1000, 1000),
        null,
        'a lease is live through its last ms',
      );
      const again = await store.jobs.claim('w2', NOW + 1001, 1000);
      assert.equal(again?.id, j.id);
      assert.equal(again?.leaseOwner, 'w2');
      assert.equal(again?.attempts, 2);
      assert.equal(await store.jobs.renew(j.id, 'w1', NOW + 5000), false);
      await store.jobs.complete(j.id, 'w1', NOW + 1002);
      assert.equal((await store.jobs.get(j.id))?.status, 'running');
    }));

  it('fails, instead of re-running, a lapsed job that used its last attempt', () =>
    withStore(async (store) => {
      const j = await store.jobs.enqueue(job({ maxAttempts: 2 }), NOW);
      await store.jobs.claim('w1', NOW, 1000);
      assert.equal((await store.jobs.claim('w2', NOW + 2000, 1000))?.attempts, 2);
      assert.equal(await store.jobs.claim('w3', NOW + 4000, 1000), null);
      assert.deepEqual(await store.jobs.failExhausted(NOW + 2500), [], 'its lease has not lapsed yet');
      const swept = await store.jobs.failExhausted(NOW + 4000);
      assert.deepEqual(
        swept.map((x) => [x.id, x.status]),
        [[j.id, 'failed']],
      );
      assert.deepEqual(await store.jobs.failExhausted(NOW + 5000), [], 'each failed job is handed out once');
      const dead = await store.jobs.get(j.id);
      assert.equal(dead?.status, 'failed');
      assert.equal(dead?.lastError, 'lease expired after 2 attempts');
    }));

  it('runs one job per concurrency key at a time', () =>
    withStore(async (store) => {
      const a1 = await store.jobs.enqueue(job({ concurrencyKey: 'app_a' }), NOW);
      const a2 = await store.jobs.enqueue(job({ concurrencyKey: 'app_a' }), NOW + 1);
      const b1 = await store.jobs.enqueue(job({ concurrencyKey: 'app_b' }), NOW + 2);
      const t = NOW + 10;
      assert.equal((await store.jobs.claim('w', t, 1000))?.id, a1.id);
      assert.equal((await store.jobs.claim('w', t, LEASE))?.id, b1.id, 'a2 waits for a1');
      assert.equal(await store.jobs.claim('w', t, 1000), null);
      // a1's worker died: a1 itself is taken again (it is older), a2 still waits.
      assert.equal((await store.jobs.claim('w2', t + 1001, 1000))?.id, a1.id);
      assert.equal(await store.jobs.claim('w2', t + 1001, 1000), null);
      await store.jobs.complete(a1.id, 'w2', t + 1002);
      assert.equal((await store.jobs.claim('w2', t + 1002, 1000))?.id, a2.id);
    }));
});

describe('JobRepo.fail', () => {
  it('retries at retryAt, not before, and fails for good once attempts are used up', () =>
    withStore(async (store) => {
      const j = await store.jobs.enqueue(job({ maxAttempts: 2 }), NOW);
      await store.jobs.claim('w', NOW, LEASE);
      const retried = await store.jobs.fail(j.id, 'w', 'pull failed', NOW + 5000, NOW + 1);
      assert.deepEqual(
        [retried.status, retried.nextRunAt, retried.leaseOwner, retried.leaseUntil, retried.lastError],
        ['queued', NOW + 5000, null, null, 'pull failed'],
      );
      assert.equal(await store.jobs.claim('w', NOW + 4999, LEASE), null);
      assert.equal((await store.jobs.claim('w', NOW + 5000, LEASE))?.attempts, 2);
      const failed = await store.jobs.fail(j.id, 'w', 'pull failed again', NOW + 9000, NOW + 5001);
      assert.equal(failed.status, 'failed');
      assert.equal(failed.lastError, 'pull failed again');
      assert.equal(await store.jobs.claim('w', NOW + 9000, LEASE), null);
    }));

  it('fails at once without retryAt', () =>
    withStore(async (store) => {
      const j = await store.jobs.enqueue(job(), NOW);
      await store.jobs.claim('w', NOW, LEASE);
      const failed = await store.jobs.fail(j.id, 'w', 'image not found', null, NOW + 1);
      assert.equal(failed.status, 'failed');
      assert.equal(failed.attempts, 1);
      assert.equal(await store.jobs.claim('w', NOW + LEASE * 2, LEASE), null);
    }));
});

describe('JobRepo across two connections to one file', () => {
  it('never hands the same job to two workers over ~200 interleaved claims', () =>
    withStore(async (a, reopen) => {
      const b = await reopen();
      await a.transaction(async (tx) => {
        for (let i = 0; i < 200; i++) {
          await tx.jobs.enqueue(job({ concurrencyKey: i % 4 === 0 ? `app_${i % 8}` : null }), NOW + i);
        }
      });
      const claimed: string[] = [];
      for (let round = 0; round < 300 && claimed.length < 200; round++) {
        const got = await Promise.all([
          a.jobs.claim(`a${round}`, NOW + 1000, LEASE),
          b.jobs.claim(`b${round}`, NOW + 1000, LEASE),
          a.jobs.claim(`c${round}`, NOW + 1000, LEASE),
          b.jobs.claim(`d${round}`, NOW + 1000, LEASE),
        ]);
        for (const j of got) {
          if (!j) continue;
          claimed.push(j.id);
          // Finish keyed jobs now and then, so the next one of that key becomes claimable.
          if (j.concurrencyKey !== null)
            await (round % 2 ? a : b).jobs.complete(j.id, j.leaseOwner ?? '', NOW + 1000);
        }
      }
      assert.equal(claimed.length, 200);
      assert.equal(new Set(claimed).size, 200, 'no job was claimed twice');
    }));
});

/**
 * The in-process test interleaves statements on one thread; this one runs workers on real threads,
 * each with its own connection, so claims truly race on SQLite's locks as separate processes would.
 * Workers load the compiled package (build first: `npx tsc -b packages/store`): compiling the
 * source through tsx in every thread took seconds, and an eval worker ignores `--import tsx`.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { openSqliteStore } = await import(workerData.module);
  const store = await openSqliteStore({ file: workerData.file });
  const ids = [];
  for (;;) {
    const job = await store.jobs.claim(workerData.owner, workerData.now, 60000);
    if (!job) break;
    ids.push(job.id);
    await store.jobs.complete(job.id, workerData.owner, workerData.now);
  }
  await store.close();
  parentPort.postMessage(ids);
})().catch((err) => { throw err; });
`;

function runWorker(file: string, owner: string): Promise<string[]> {
  const module = new URL('../../dist/sqlite.js', import.meta.url).href;
  return new Promise((resolve, reject) => {
    const w = new Worker(WORKER, {
      eval: true,
      workerData: { module, file, owner, now: NOW + 1 },
    });
    w.once('message', (ids: string[]) => resolve(ids));
    w.once('error', reject);
  });
}

describe('JobRepo under truly parallel workers', () => {
  it('two threads draining one queue claim every job exactly once', async () => {
    const env = await openTempStore();
    try {
      const total = 60;
      await env.store.transaction(async (tx) => {
        for (let i = 0; i < total; i++)
          await tx.jobs.enqueue({ id: newId('job'), kind: 'deploy', payload: i }, NOW);
      });
      const results = await Promise.all(['w1', 'w2'].map((o) => runWorker(env.tmp.file, o)));
      const all = results.flat();
      assert.equal(all.length, total);
      assert.equal(new Set(all).size, total, 'no job was claimed by two workers');
      const statuses = await Promise.all(all.slice(0, 10).map((id) => env.store.jobs.get(id)));
      assert.ok(statuses.every((j) => j?.status === 'succeeded' && j.attempts === 1));
    } finally {
      await env.done();
    }
  });
});
