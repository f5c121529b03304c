import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { AUDIT_GENESIS_HASH, toAuditHashInput, type AuditRecord } from '@berth/core';
import { parseAuditDetail, toJson } from '../json.js';
import type { AuditLogRecord } from '../schema.js';
import type { AuditEntry, AuditRepo, AuditRow } from '../types-audit.js';
import { atomically, type Db } from './db.js';

/** meta key holding the newest row's hash: a deleted tail leaves the rows behind the head. */
export const AUDIT_HEAD_KEY = 'audit_head';

/** Written by the head's first claim, and read as "no head recorded yet". */
const NO_HEAD = '';

const sha3 = (input: string): string => createHash('sha3-256').update(input).digest('hex');

export function createAuditRepo(db: Db, onAppended?: (row: AuditRow) => Promise<void> | void): AuditRepo {
  return {
    // In its own transaction when the caller has none: reading the last row and writing the
    // next must not interleave with another appender, or two rows would share a previous hash.
    async append(entry) {
      const row = await atomically(db, (trx) => appendIn(trx, entry));
      await onAppended?.(row);
      return row;
    },

    async list({ afterSeq, beforeSeq, limit, newestFirst = false, teamIds, filter = {} }) {
      if (teamIds?.length === 0) return [];
      let q = db.selectFrom('audit_log').selectAll().where('seq', '>', afterSeq);
      if (beforeSeq !== undefined) q = q.where('seq', '<', beforeSeq);
      // `IN` never matches a null team_id, so system rows appear only in the unfiltered log.
      if (teamIds !== undefined) q = q.where('team_id', 'in', teamIds);
      const { actor, action, target, outcome, since, until } = filter;
      if (actor !== undefined)
        q = q.where((eb) => eb.or([eb('actor_name', '=', actor), eb('actor_id', '=', actor)]));
      if (action?.endsWith('*')) {
        // substr, not LIKE: LIKE ignores case on SQLite and not on PostgreSQL.
        const prefix = action.slice(0, -1);
        q = q.where(sql<string>`substr(${sql.ref('action')}, 1, ${prefix.length})`, '=', prefix);
      } else if (action !== undefined) q = q.where('action', '=', action);
      if (target !== undefined) q = q.where('target', '=', target);
      if (outcome !== undefined) q = q.where('outcome', '=', outcome);
      if (since !== undefined) q = q.where('at', '>=', since);
      if (until !== undefined) q = q.where('at', '<', until);
      const rows = await q
        .orderBy('seq', newestFirst ? 'desc' : 'asc')
        .limit(limit)
        .execute();
      return rows.map(toAuditRow);
    },

    async last() {
      const r = await lastRecord(db);
      return r ? toAuditRow(r) : null;
    },
  };
}

async function appendIn(trx: Db, entry: AuditEntry): Promise<AuditRow> {
  const head = await claimHead(trx);
  const last = await lastRecord(trx);
  const record: AuditRecord = { seq: last ? Number(last.seq) + 1 : 1, ...toStoredEntry(entry) };
  // Chained to the recorded head, which is the last row's hash unless rows were deleted from the
  // end: then the new row does not fit the row before it, and a verifier names it, instead of
  // the append quietly sealing over the deletion.
  const prevHash = head ?? last?.hash ?? AUDIT_GENESIS_HASH;
  const hash = sha3(toAuditHashInput(prevHash, record));
  await trx
    .insertInto('audit_log')
    .values({
      seq: record.seq,
      at: record.at,
      actor_kind: record.actorKind,
      actor_id: record.actorId,
      actor_name: record.actorName,
      team_id: record.teamId,
      request_id: record.requestId,
      action: record.action,
      target: record.target,
      outcome: record.outcome,
      detail: toJson(record.detail),
      prev_hash: prevHash,
      hash,
    })
    .execute();
  await trx.updateTable('meta').set({ value: hash }).where('key', '=', AUDIT_HEAD_KEY).execute();
  return { ...record, prevHash, hash };
}

/**
 * Reads the recorded head with a write to its row (an upsert that keeps the value). SQLite holds
 * the database's write lock already; PostgreSQL takes the row's lock here, so concurrent appenders
 * queue on it and each then reads the rows the one before it committed. Null when none is recorded.
 */
async function claimHead(trx: Db): Promise<string | null> {
  const r = await trx
    .insertInto('meta')
    .values({ key: AUDIT_HEAD_KEY, value: NO_HEAD })
    .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ value: eb.ref('meta.value') })))
    .returning('value')
    .executeTakeFirstOrThrow();
  return r.value === NO_HEAD ? null : r.value;
}

const lastRecord = (db: Db): Promise<AuditLogRecord | undefined> =>
  db.selectFrom('audit_log').selectAll().orderBy('seq', 'desc').limit(1).executeTakeFirst();

/**
 * The entry exactly as it will read back, so the hash computed now is the one a verifier
 * recomputes from the stored row: text as UTF-8 stores it (a lone surrogate becomes U+FFFD), and
 * detail through JSON (undefined values dropped, -0 and NaN as JSON writes them).
 */
function toStoredEntry(e: AuditEntry): Omit<AuditRecord, 'seq'> {
  return {
    at: e.at,
    actorKind: e.actorKind,
    actorId: toStoredText(e.actorId),
    actorName: toStoredText(e.actorName),
    teamId: toStoredText(e.teamId),
    requestId: toStoredText(e.requestId),
    action: toStoredText(e.action),
    target: toStoredText(e.target),
    outcome: e.outcome,
    detail: parseAuditDetail(toJson(e.detail), { table: 'audit_log', id: 'new', column: 'detail' }),
  };
}

function toStoredText<T extends string | null>(s: T): T {
  return (s === null ? s : Buffer.from(s, 'utf8').toString('utf8')) as T;
}

function toAuditRow(r: AuditLogRecord): AuditRow {
  const seq = Number(r.seq);
  return {
    seq,
    at: Number(r.at),
    actorKind: r.actor_kind,
    actorId: r.actor_id,
    actorName: r.actor_name,
    teamId: r.team_id,
    requestId: r.request_id,
    action: r.action,
    target: r.target,
    outcome: r.outcome,
    detail: parseAuditDetail(r.detail, { table: 'audit_log', id: String(seq), column: 'detail' }),
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}
