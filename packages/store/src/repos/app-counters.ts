import { BerthError } from '@berth/protocol';
import type { Db } from './db.js';

export type AppCounter = 'last_release_version' | 'last_build_number';

/**
 * The next number from one of the app's counters. One UPDATE … RETURNING: it takes the app row's
 * lock until the caller's transaction ends, so a concurrent transaction waits and then reads the
 * new value (PostgreSQL re-reads a row it waited for; SQLite holds the write lock). Reading
 * max(number) + 1 instead lets two transactions take the same number on PostgreSQL. The unique
 * (app, number) constraints stay as the backstop.
 */
export async function takeAppNumber(db: Db, appId: string, counter: AppCounter): Promise<number> {
  const r = await db
    .updateTable('apps')
    .set((eb) =>
      counter === 'last_release_version'
        ? { last_release_version: eb('last_release_version', '+', eb.lit(1)) }
        : { last_build_number: eb('last_build_number', '+', eb.lit(1)) },
    )
    .where('id', '=', appId)
    .returning(counter)
    .executeTakeFirst();
  if (!r) throw new BerthError('APP_NOT_FOUND', `No app with id "${appId}"`);
  return Number(counter === 'last_release_version' ? r.last_release_version : r.last_build_number);
}
