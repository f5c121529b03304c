import type { DomainStatus } from '@berth/protocol';

/**
 * TLS certificates (issue 11): those of apps' custom domains, and the installation's wildcard
 * for its base domain; the tables, the rows and the repositories.
 */

export type CertificateSource = 'uploaded' | 'acme';

/** Added by 0014. */
export interface CertificatesTable {
  id: string;
  app_id: string;
  team_id: string;
  /** JSON array of the certificate's DNS names. */
  names: string;
  source: CertificateSource;
  issuer: string;
  not_before: number;
  not_after: number;
  chain_pem: string;
  key_id: string;
  key_sealed: string;
  created_at: number;
}

export interface CertificateRow {
  id: string;
  appId: string;
  teamId: string;
  /** The certificate's DNS names (`*.example.com` for a wildcard), lower case. */
  names: string[];
  source: CertificateSource;
  /** The issuer's common name (or whole DN when it has none). */
  issuer: string;
  notBefore: number;
  notAfter: number;
  /** The leaf first, then its intermediates. */
  chainPem: string;
  /** The private key, sealed with the master key `keyId`. */
  keySealed: { keyId: string; value: string };
  createdAt: number;
}

export interface CertificateRepo {
  add(row: CertificateRow): Promise<void>;
  /** Every certificate, newest first (the edges prefer the newest for a name). */
  list(): Promise<CertificateRow[]>;
  listByApp(appId: string): Promise<CertificateRow[]>;
  /** Removes the app's certificates of this source that name any of `names`; returns their ids. */
  removeCovering(appId: string, source: CertificateSource, names: readonly string[]): Promise<string[]>;
  /** A master-key rotation: the key sealed anew. */
  reseal(id: string, keySealed: { keyId: string; value: string }): Promise<void>;
}

/** Added by 0015. */
export interface BaseCertificatesTable {
  domain: string;
  status: DomainStatus;
  last_error: string | null;
  certificate_id: string | null;
  issuer: string | null;
  not_before: number | null;
  not_after: number | null;
  chain_pem: string | null;
  key_id: string | null;
  key_sealed: string | null;
  updated_at: number;
}

/** A certificate as issued: what a base domain's row holds once it has one. */
export interface IssuedCertificate {
  id: string;
  issuer: string;
  notBefore: number;
  notAfter: number;
  chainPem: string;
  keySealed: { keyId: string; value: string };
}

/** The installation's wildcard certificate `*.<domain>` for the base domain `<domain>`. */
export interface BaseCertificateRow {
  domain: string;
  status: DomainStatus;
  /** Why the last order failed, for a person to read; null when it did not. */
  lastError: string | null;
  /** The current certificate (kept through a failed renewal); null before the first. */
  certificate: IssuedCertificate | null;
  updatedAt: number;
}

export interface BaseCertificateRepo {
  get(domain: string): Promise<BaseCertificateRow | null>;
  list(): Promise<BaseCertificateRow[]>;
  /** Sets the status (the row made when there is none); the certificate is kept. */
  setStatus(domain: string, status: DomainStatus, lastError: string | null, now: number): Promise<void>;
  /** Stores a newly issued certificate: status issued, no error. */
  setCertificate(domain: string, certificate: IssuedCertificate, now: number): Promise<void>;
  /** A master-key rotation: the key sealed anew. */
  reseal(domain: string, keySealed: { keyId: string; value: string }): Promise<void>;
}
