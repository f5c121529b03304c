import type { CertificateRepo, CertificateRow, CertificatesTable } from '../types-certificates.js';
import type { Db } from './db.js';

/** Certificates of apps' custom domains; keys stay sealed here (apps/server opens them). */
export function createCertificateRepo(db: Db): CertificateRepo {
  return {
    async add(row) {
      await db.insertInto('certificates').values(toRecord(row)).execute();
    },
    async list() {
      const rows = await db.selectFrom('certificates').selectAll().orderBy('created_at', 'desc').execute();
      return rows.map(toRow);
    },
    async listByApp(appId) {
      const rows = await db
        .selectFrom('certificates')
        .selectAll()
        .where('app_id', '=', appId)
        .orderBy('created_at', 'desc')
        .execute();
      return rows.map(toRow);
    },
    async reseal(id, keySealed) {
      await db
        .updateTable('certificates')
        .set({ key_id: keySealed.keyId, key_sealed: keySealed.value })
        .where('id', '=', id)
        .execute();
    },
    async removeCovering(appId, source, names) {
      const wanted = new Set(names);
      const ids = (await this.listByApp(appId))
        .filter((c) => c.source === source && c.names.some((n) => wanted.has(n)))
        .map((c) => c.id);
      if (ids.length > 0) await db.deleteFrom('certificates').where('id', 'in', ids).execute();
      return ids;
    },
  };
}

function toRecord(r: CertificateRow): CertificatesTable {
  return {
    id: r.id,
    app_id: r.appId,
    team_id: r.teamId,
    names: JSON.stringify(r.names),
    source: r.source,
    issuer: r.issuer,
    not_before: r.notBefore,
    not_after: r.notAfter,
    chain_pem: r.chainPem,
    key_id: r.keySealed.keyId,
    key_sealed: r.keySealed.value,
    created_at: r.createdAt,
  };
}

function toRow(r: CertificatesTable): CertificateRow {
  return {
    id: r.id,
    appId: r.app_id,
    teamId: r.team_id,
    names: JSON.parse(r.names) as string[],
    source: r.source,
    issuer: r.issuer,
    notBefore: Number(r.not_before),
    notAfter: Number(r.not_after),
    chainPem: r.chain_pem,
    keySealed: { keyId: r.key_id, value: r.key_sealed },
    createdAt: Number(r.created_at),
  };
}
