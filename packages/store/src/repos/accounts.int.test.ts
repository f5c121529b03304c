// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openTempStore } from '../test-support/fixtures.js';
import { auditEntry } from '../test-support/trust.js';
import type { AuditRow } from '../types-audit.js';

/** Invitations, audit checkpoints, and the hook that anchors the audit chain after each commit. */
describe('invitations, checkpoints and audit commits', () => {
  it('an invitation per team and email: renewed in place, listed until it expires, removed once', async () => {
    const env = await openTempStore();
    try {
      const { store } = env;
      await store.teams.create({ id: 'tm_a', name: 'a', createdAt: 1 });
      const row = {
        id: 'inv_1',
        teamId: 'tm_a',
        email: 'Ann@Example.com',
        role: 'viewer' as const,
        createdAccount: true,
        invitedBy: 'admin',
        createdAt: 10,
        expiresAt: 100,
      };
      await store.invitations.put(row);
      const renewed = await store.invitations.put({
        ...row,
        id: 'inv_2',
        role: 'admin',
        createdAccount: false,
        expiresAt: 200,
      });
      assert.deepEqual(
        [renewed.id, renewed.email, renewed.role, renewed.createdAccount, renewed.expiresAt],
        ['inv_1', 'ann@example.com', 'admin', true, 200],
        'one row, the account it created kept',
      );
      assert.equal((await store.invitations.listForEmail('ANN@example.com', 199)).length, 1);
      assert.equal((await store.invitations.listForTeam('tm_a', 200)).length, 0, 'expired at 200');
      assert.equal(await store.invitations.get('tm_a', 'ann@example.com', 200), null);
      assert.equal(await store.invitations.remove('tm_a', 'ann@example.com'), true);
      assert.equal(await store.invitations.remove('tm_a', 'ann@example.com'), false);
    } finally {
      await env.done();
    }
  });

  it('checkpoints: one per row, replaced when signed again, newest last', async () => {
    const env = await openTempStore();
    try {
      const { store } = env;
      await store.auditCheckpoints.put({ seq: 5, hash: 'h5', at: 1, keyId: 'mk_a', signature: 's' });
      await store.auditCheckpoints.put({ seq: 2, hash: 'h2', at: 1, keyId: 'mk_a', signature: 's' });
      await store.auditCheckpoints.put({ seq: 5, hash: 'h5', at: 2, keyId: 'mk_b', signature: 't' });
      assert.deepEqual(
        (await store.auditCheckpoints.list()).map((c) => [c.seq, c.keyId]),
        [
          [2, 'mk_a'],
          [5, 'mk_b'],
        ],
      );
      assert.equal((await store.auditCheckpoints.latest())?.seq, 5);
    } finally {
      await env.done();
    }
  });

  it('the audit listener sees the newest row of each commit, after it, and nothing of a rollback', async () => {
    const env = await openTempStore();
    try {
      const { store } = env;
      const seen: { seq: number; committed: boolean }[] = [];
      store.onAuditCommitted(async (row: AuditRow) => {
        // Committed: another reader of the store finds the row.
        seen.push({ seq: row.seq, committed: (await store.audit.last())?.seq === row.seq });
      });
      await store.audit.append(auditEntry({ at: 1 }));
      await store.transaction(async (tx) => {
        await tx.audit.append(auditEntry({ at: 2 }));
        await tx.audit.append(auditEntry({ at: 3 }));
        assert.deepEqual(seen.length, 1, 'not before the commit');
      });
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.audit.append(auditEntry({ at: 4 }));
          throw new Error('rolled back');
        }),
        /rolled back/,
      );
      assert.deepEqual(seen, [
        { seq: 1, committed: true },
        { seq: 3, committed: true },
      ]);
    } finally {
      await env.done();
    }
  });
});
