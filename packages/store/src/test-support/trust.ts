import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { BerthError } from '@berth/protocol';
import BetterSqlite3 from 'better-sqlite3';
import type { AuditEntry } from '../types-audit.js';
import type { UserRow } from '../types-identity.js';
import { newId, NOW } from './fixtures.js';

/** Fixtures for the trust tables: users, audit entries, and a raw second connection for tampering. */

export const sha3 = (input: string): string => createHash('sha3-256').update(input).digest('hex');

export function userRow(over: Partial<UserRow> = {}): UserRow {
  return {
    id: newId('usr'),
    email: 'ada@example.com',
    passwordHash: null,
    createdAt: NOW,
    updatedAt: NOW,
    disabledAt: null,
    ...over,
  };
}

export function auditEntry(over: Partial<AuditEntry> = {}): AuditEntry {
  return {
    at: NOW,
    actorKind: 'user',
    actorId: 'usr_1',
    actorName: 'ada@example.com',
    teamId: null,
    requestId: 'req_1',
    action: 'app.create',
    target: 'app:web',
    outcome: 'ok',
    detail: { image: 'localhost/hello:1', replicas: 2, force: false, note: null },
    ...over,
  };
}

/** Another connection to the file, as someone with shell access would edit it; foreign keys on. */
export function rawConnection(file: string): BetterSqlite3.Database {
  const raw = new BetterSqlite3(file);
  raw.pragma('foreign_keys = ON');
  return raw;
}

/** An assert.rejects predicate: VALIDATION_FAILED naming exactly the field at `path`. */
export const isTaken =
  (path: string, message: RegExp) =>
  (err: unknown): true => {
    assert.ok(err instanceof BerthError, `expected a BerthError, got ${String(err)}`);
    assert.equal(err.code, 'VALIDATION_FAILED');
    assert.match(err.message, message);
    assert.deepEqual(err.issues, [{ path, message: 'is already taken' }]);
    return true;
  };

/**
 * Appends the entries, each in a transaction with another write, from a second Store on the same
 * file in a worker thread, as a second process would. (In one thread, better-sqlite3 blocks while
 * waiting for the write lock, so it would wait on the other connection's transaction forever.)
 * The worker runs the built package (`tsc -b packages/store` first): booting tsx in a thread costs
 * seconds, the compiled store a few milliseconds.
 */
export async function appendFromWorker(file: string, entries: readonly AuditEntry[]): Promise<void> {
  const store = import.meta.resolve('@berth/store');
  // A 2 ms breath after each row lets the other writer take the lock in between.
  const body = `(async () => {
    const { workerData } = await import('node:worker_threads');
    const { openSqliteStore } = await import(${JSON.stringify(store)});
    const store = await openSqliteStore({ file: workerData.file });
    try {
      for (const entry of workerData.entries) {
        await store.transaction(async (tx) => {
          await tx.meta.increment('writes');
          await tx.audit.append(entry);
        });
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    } finally {
      await store.close();
    }
  })()`;
  const worker = new Worker(body, { eval: true, workerData: { file, entries } });
  await new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`audit writer exited with ${code}`)),
    );
  });
}
