/** TLS certificates of apps' custom domains (issue 11): the table, the row and the repository. */

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
