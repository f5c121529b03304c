import type { MetaRepo } from '../types.js';
import type { Db } from './db.js';

export function createMetaRepo(db: Db): MetaRepo {
  return {
    async get(key) {
      const row = await db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
      return row?.value ?? null;
    },

    async set(key, value) {
      await db
        .insertInto('meta')
        .values({ key, value })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
        .execute();
    },

    async increment(key) {
      // One statement, so two callers can never read the same value and both write value + 1.
      // The 1 is a literal: better-sqlite3 binds JS numbers as REAL, which would store '2.0'.
      const row = await db
        .insertInto('meta')
        .values({ key, value: '1' })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet((eb) => ({
            value: eb.cast<string>(eb(eb.cast<number>('meta.value', 'bigint'), '+', eb.lit(1)), 'text'),
          })),
        )
        .returning('value')
        .executeTakeFirstOrThrow();
      return Number(row.value);
    },
  };
}
