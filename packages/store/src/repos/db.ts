import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../schema.js';

/** What a repository runs on: the store's Kysely, or a transaction of it. */
export type Db = Kysely<Database>;

/** Runs fn atomically: inside the caller's transaction when there is one, else in a new one. */
export function atomically<T>(db: Db, fn: (trx: Db) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db);
  return db.transaction().execute((trx: Transaction<Database>) => fn(trx));
}
