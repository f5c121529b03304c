/**
 * The ACME issuer's contract: what a caller gives (the account key, the names, how to publish a
 * challenge) and what it gets back. Berth is the ACME client for the whole fleet; answering a
 * challenge is someone else's job (every edge serves HTTP-01 tokens, a DNS provider writes
 * DNS-01 records), so the issuer only calls these ports and never serves or writes DNS itself.
 */

/** Publishes HTTP-01 answers: `http://<name>/.well-known/acme-challenge/<token>` → keyAuthorization. */
export interface Http01Port {
  publish(token: string, keyAuthorization: string): Promise<void>;
  withdraw(token: string): Promise<void>;
  /**
   * Called once after every answer of an order is published, before the CA is asked to check
   * them: where answers take a while to reach every server, wait here once, not per answer.
   */
  ready?(): Promise<void>;
}

/** Publishes DNS-01 answers: a TXT record `fqdn` (`_acme-challenge.<name>`, no final dot) with `value`. */
export interface Dns01Port {
  publish(fqdn: string, value: string): Promise<void>;
  withdraw(fqdn: string, value: string): Promise<void>;
}

/** At least one of them; HTTP-01 is used where both are given, except for wildcards (DNS-01 only). */
export interface ChallengePorts {
  http01?: Http01Port;
  dns01?: Dns01Port;
}

export interface AcmeIssuerOptions {
  directoryUrl: string;
  /** Extra CA to trust for the directory's HTTPS (a private CA such as Pebble); public roots stay trusted. */
  caCertPem?: string;
  /** The account's private key (PEM): the caller keeps it sealed and gives the same one each time. */
  accountKeyPem: string;
  email: string;
  /** Polling of authorizations and orders (defaults suit public CAs; tests go faster). */
  polling?: Partial<AcmePolling>;
  /** Per HTTP request to the CA. */
  requestTimeoutMs?: number;
}

export interface AcmePolling {
  attempts: number;
  minMs: number;
  maxMs: number;
}

export interface OrderRequest {
  /** DNS names, already validated by the caller (`*.example.com` for a wildcard). */
  names: readonly string[];
  challenge: ChallengePorts;
}

export interface IssuedCertificate {
  /** The leaf first, then the intermediates, as the CA sent them. */
  certificatePem: string;
  /** PKCS#8 PEM of the certificate's ECDSA P-256 key. */
  keyPem: string;
  notBefore: Date;
  notAfter: Date;
  /** The issuer's distinguished name as node:crypto prints it. */
  issuer: string;
  /** Cleanup that failed after issuance (a challenge answer left published): worth a warning. */
  warnings: string[];
}

export interface AcmeIssuer {
  accountUrl: string;
  order(request: OrderRequest): Promise<IssuedCertificate>;
}

/** RFC 8555 §6.7 / RFC 7807: what the CA says went wrong. */
export interface AcmeProblem {
  type: string;
  detail: string;
  status?: number;
  identifier?: { type: string; value: string };
  subproblems: AcmeProblem[];
}
