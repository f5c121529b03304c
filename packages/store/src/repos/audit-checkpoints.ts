import type { AuditCheckpointsRecord } from '../schema.js';
import type { AuditCheckpointRepo, AuditCheckpointRow } from '../types-audit.js';
import type { Db } from './db.js';

/** Signed checkpoints of the audit chain; the signing happens in berthd, never here. */
export function createAuditCheckpointRepo(db: Db): AuditCheckpointRepo {
  return {
    async put(row) {
      const values = { hash: row.hash, at: row.at, key_id: row.keyId, signature: row.signature };
      await db
        .insertInto('audit_checkpoints')
        .values({ seq: row.seq, ...values })
        .onConflict((oc) => oc.column('seq').doUpdateSet(values))
        .execute();
    },

    async list() {
      const rows = await db.selectFrom('audit_checkpoints').selectAll().orderBy('seq').execute();
      return rows.map(toCheckpointRow);
    },

    async latest() {
      const r = await db
        .selectFrom('audit_checkpoints')
        .selectAll()
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirst();
      return r ? toCheckpointRow(r) : null;
    },
  };
}

const toCheckpointRow = (r: AuditCheckpointsRecord): AuditCheckpointRow => ({
  seq: Number(r.seq),
  hash: r.hash,
  at: Number(r.at),
  keyId: r.key_id,
  signature: r.signature,
});
