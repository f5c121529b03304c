import type {
  BaseCertificateRepo,
  BaseCertificateRow,
  BaseCertificatesTable,
  IssuedCertificate,
} from '../types-certificates.js';
import type { Db } from './db.js';

/** The installation's wildcard certificates, one row per base domain; keys stay sealed here. */
export function createBaseCertificateRepo(db: Db): BaseCertificateRepo {
  const empty = (domain: string, now: number): BaseCertificatesTable => ({
    domain,
    status: 'pending',
    last_error: null,
    certificate_id: null,
    issuer: null,
    not_before: null,
    not_after: null,
    chain_pem: null,
    key_id: null,
    key_sealed: null,
    updated_at: now,
  });
  return {
    async get(domain) {
      const r = await db
        .selectFrom('base_certificates')
        .selectAll()
        .where('domain', '=', domain)
        .executeTakeFirst();
      return r ? toRow(r) : null;
    },
    async list() {
      return (await db.selectFrom('base_certificates').selectAll().orderBy('domain').execute()).map(toRow);
    },
    async setStatus(domain, status, lastError, now) {
      await db
        .insertInto('base_certificates')
        .values({ ...empty(domain, now), status, last_error: lastError })
        .onConflict((oc) =>
          oc.column('domain').doUpdateSet({ status, last_error: lastError, updated_at: now }),
        )
        .execute();
    },
    async setCertificate(domain, c, now) {
      const columns = {
        status: 'issued' as const,
        last_error: null,
        certificate_id: c.id,
        issuer: c.issuer,
        not_before: c.notBefore,
        not_after: c.notAfter,
        chain_pem: c.chainPem,
        key_id: c.keySealed.keyId,
        key_sealed: c.keySealed.value,
        updated_at: now,
      };
      await db
        .insertInto('base_certificates')
        .values({ domain, ...columns })
        .onConflict((oc) => oc.column('domain').doUpdateSet(columns))
        .execute();
    },
    async reseal(domain, keySealed) {
      await db
        .updateTable('base_certificates')
        .set({ key_id: keySealed.keyId, key_sealed: keySealed.value })
        .where('domain', '=', domain)
        .execute();
    },
  };
}

function toRow(r: BaseCertificatesTable): BaseCertificateRow {
  return {
    domain: r.domain,
    status: r.status,
    lastError: r.last_error,
    certificate: toCertificate(r),
    updatedAt: Number(r.updated_at),
  };
}

function toCertificate(r: BaseCertificatesTable): IssuedCertificate | null {
  const { certificate_id: id, issuer, not_before, not_after, chain_pem, key_id, key_sealed } = r;
  if (id === null || issuer === null || not_before === null || not_after === null) return null;
  if (chain_pem === null || key_id === null || key_sealed === null) return null;
  return {
    id,
    issuer,
    notBefore: Number(not_before),
    notAfter: Number(not_after),
    chainPem: chain_pem,
    keySealed: { keyId: key_id, value: key_sealed },
  };
}
