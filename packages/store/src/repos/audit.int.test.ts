// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AUDIT_GENESIS_HASH, verifyAuditChain, type AuditVerdict } from '@berth/core';
import { openTempStore, type Env } from '../test-support/fixtures.js';
import { appendFromWorker, auditEntry, rawConnection, sha3 } from '../test-support/trust.js';
import type { Store } from '../types.js';

async function verify(store: Store): Promise<AuditVerdict> {
  return verifyAuditChain(await store.audit.list({ afterSeq: 0, limit: 10_000 }), sha3);
}

/** n rows from this connection, half in transactions with other writes, half bare. */
async function fill(store: Store, n: number, from = 0): Promise<void> {
  await Promise.all(
    Array.from({ length: n }, (_, k) => {
      const i = from + k;
      const entry = auditEntry({ at: 1000 + i, target: `app:a${i}`, detail: { i, odd: i % 2 === 1 } });
      if (i % 2) return store.audit.append(entry);
      return store.transaction(async (tx) => {
        await tx.meta.increment('writes');
        return tx.audit.append(entry);
      });
    }),
  );
}

/** Runs SQL on a second connection, as someone editing the file by hand would. */
function tamper(env: Env, sql: string): void {
  const raw = rawConnection(env.tmp.file);
  try {
    raw.exec(sql);
  } finally {
    raw.close();
  }
}

describe('AuditRepo', () => {
  it('chains rows appended from two connections, inside and outside transactions', async () => {
    const env = await openTempStore();
    try {
      assert.equal(await env.store.audit.last(), null);
      const theirs = Array.from({ length: 25 }, (_, k) =>
        auditEntry({ at: 2000 + k, target: `app:w${k}`, detail: { k, thread: 'worker' } }),
      );
      const worker = appendFromWorker(env.tmp.file, theirs);
      // Start once the worker writes (its thread takes a moment to boot), then keep pace with it.
      while ((await env.store.audit.last()) === null) await sleep(5);
      for (let i = 0; i < 25; i++) {
        await fill(env.store, 1, i);
        await sleep(2);
      }
      await worker;
      const rows = await env.store.audit.list({ afterSeq: 0, limit: 100 });
      assert.deepEqual(
        rows.map((r) => r.seq),
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
      assert.equal(rows[0]?.prevHash, AUDIT_GENESIS_HASH);
      const verdict = verifyAuditChain(rows, sha3);
      assert.deepEqual(verdict, { ok: true, checked: 50, head: rows[49]?.hash });
      assert.equal(await env.store.meta.get('audit_head'), verdict.ok ? verdict.head : '');
      assert.deepEqual(await env.store.audit.last(), rows[49]);
      assert.equal(await env.store.meta.get('writes'), '38'); // 13 here (even i), 25 in the worker
      // The writers really interleaved: a block of one writer's rows lies between the other's.
      const writer = rows.map((r) => r.detail.thread === 'worker');
      const switches = writer.filter((w, k) => k > 0 && w !== writer[k - 1]).length;
      assert.ok(switches >= 2, `only ${switches} switch(es) between writers`);
    } finally {
      await env.done();
    }
  });

  it('returns what it stored, and a rolled-back append leaves neither a row nor a new head', async () => {
    const env = await openTempStore();
    try {
      const entry = auditEntry({ detail: { b: 1, a: 'x' }, target: 'lone \ud800 surrogate' });
      const row = await env.store.audit.append(entry);
      assert.deepEqual(await env.store.audit.last(), row);
      assert.equal(row.target, 'lone \ufffd surrogate');
      await assert.rejects(
        env.store.transaction(async (tx) => {
          await tx.audit.append(auditEntry());
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.deepEqual(await env.store.audit.last(), row);
      assert.equal(await env.store.meta.get('audit_head'), row.hash);
      assert.deepEqual(await verify(env.store), { ok: true, checked: 1, head: row.hash });
    } finally {
      await env.done();
    }
  });

  it('lists after a seq, up to a limit, and by team (rows without a team only unfiltered)', async () => {
    const env = await openTempStore();
    try {
      for (const teamId of [null, 'team_a', 'team_b', 'team_a', null]) {
        await env.store.audit.append(auditEntry({ teamId }));
      }
      const seqs = async (o: { afterSeq: number; limit: number; teamIds?: readonly string[] }) =>
        (await env.store.audit.list(o)).map((r) => r.seq);
      assert.deepEqual(await seqs({ afterSeq: 1, limit: 2 }), [2, 3]);
      assert.deepEqual(await seqs({ afterSeq: 0, limit: 10, teamIds: ['team_a'] }), [2, 4]);
      assert.deepEqual(await seqs({ afterSeq: 2, limit: 10, teamIds: ['team_a', 'team_b'] }), [3, 4]);
      assert.deepEqual(await seqs({ afterSeq: 0, limit: 10, teamIds: [] }), []);
      assert.deepEqual(await seqs({ afterSeq: 0, limit: 10 }), [1, 2, 3, 4, 5]);
    } finally {
      await env.done();
    }
  });

  it('an edited column makes verify name that row', async () => {
    const env = await openTempStore();
    try {
      await fill(env.store, 20);
      tamper(env, `update audit_log set outcome = 'ok', target = 'app:innocent' where seq = 17`);
      assert.deepEqual(await verify(env.store), {
        ok: false,
        checked: 16,
        seq: 17,
        reason: 'its content does not match its hash (the row was edited)',
      });
    } finally {
      await env.done();
    }
  });

  it('a deleted middle row makes verify name the next one', async () => {
    const env = await openTempStore();
    try {
      await fill(env.store, 20);
      tamper(env, 'delete from audit_log where seq = 10');
      const v = await verify(env.store);
      assert.equal(v.ok, false);
      assert.equal(!v.ok && v.seq, 11);
    } finally {
      await env.done();
    }
  });

  it('swapping two rows’ seq values is caught', async () => {
    const env = await openTempStore();
    try {
      await fill(env.store, 20);
      tamper(
        env,
        `update audit_log set seq = -1 where seq = 10;
         update audit_log set seq = 10 where seq = 11;
         update audit_log set seq = 11 where seq = -1;`,
      );
      const v = await verify(env.store);
      assert.equal(v.ok, false);
      assert.equal(!v.ok && v.seq, 10);
    } finally {
      await env.done();
    }
  });

  it('a deleted tail is seen against the head, and the next append does not seal over it', async () => {
    const env = await openTempStore();
    try {
      await fill(env.store, 10);
      tamper(env, 'delete from audit_log where seq >= 9');
      const before = await verify(env.store);
      assert.ok(before.ok);
      assert.notEqual(before.head, await env.store.meta.get('audit_head'));
      const next = await env.store.audit.append(auditEntry());
      assert.equal(next.seq, 9);
      const after = await verify(env.store);
      assert.equal(after.ok, false);
      assert.equal(!after.ok && after.seq, 9);
    } finally {
      await env.done();
    }
  });
});
