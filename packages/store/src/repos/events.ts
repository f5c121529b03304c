import { isUniqueViolation } from '../db-errors.js';
import type { EventsRecord } from '../schema.js';
import type { DeploymentEventRow, EventRepo } from '../types.js';
import type { Db } from './db.js';

/** Only reachable on a database with concurrent writers per statement (PostgreSQL). */
const APPEND_TRIES = 5;

/** `onEvent` hears of each append, by deployment (the store tells listeners once it commits). */
export function createEventRepo(db: Db, onEvent?: (deploymentId: string) => void): EventRepo {
  const appendOnce = async (deploymentId: string, e: Omit<DeploymentEventRow, 'deploymentId' | 'seq'>) => {
    // INSERT … SELECT max(seq)+1 computes and writes the seq in one statement: SQLite runs it
    // under the write lock, so concurrent appenders (even other processes) get distinct seqs.
    const r = await db
      .insertInto('deployment_events')
      .columns(['deployment_id', 'seq', 'at', 'level', 'message'])
      .expression((eb) =>
        eb
          .selectFrom('deployment_events')
          .select([
            eb.cast<string>(eb.val(deploymentId), 'text').as('deployment_id'),
            eb(eb.fn.coalesce(eb.fn.max<number | null>('seq'), eb.lit(0)), '+', eb.lit(1)).as('seq'),
            eb.cast<number>(eb.val(e.at), 'bigint').as('at'),
            eb.cast<string>(eb.val(e.level), 'text').as('level'),
            eb.cast<string>(eb.val(e.message), 'text').as('message'),
          ])
          .where('deployment_id', '=', deploymentId),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
    return toEventRow(r);
  };

  return {
    async append(deploymentId, event) {
      for (let attempt = 1; ; attempt++) {
        try {
          const row = await appendOnce(deploymentId, event);
          onEvent?.(deploymentId);
          return row;
        } catch (err) {
          const clash = isUniqueViolation(
            err,
            'deployment_events',
            ['deployment_id', 'seq'],
            'deployment_events_pk',
          );
          if (!clash || attempt >= APPEND_TRIES || db.isTransaction) throw err;
        }
      }
    },

    async list(deploymentId, afterSeq) {
      const rows = await db
        .selectFrom('deployment_events')
        .selectAll()
        .where('deployment_id', '=', deploymentId)
        .where('seq', '>', afterSeq)
        .orderBy('seq')
        .execute();
      return rows.map(toEventRow);
    },
  };
}

const toEventRow = (r: EventsRecord): DeploymentEventRow => ({
  deploymentId: r.deployment_id,
  seq: Number(r.seq),
  at: r.at,
  level: r.level,
  message: r.message,
});
