/**
 * The certificate's own key and CSR, and reading what the CA sent back. The key is ECDSA P-256
 * (what every current client negotiates, small and fast), made fresh for every order so a
 * renewal never reuses a key.
 */
import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import acme from 'acme-client';
import { BerthError } from '@berth/protocol';
import type { IssuedCertificate } from './types.js';

/** X.509 caps a subject CN at 64 characters; longer names go in the SAN only. */
const MAX_COMMON_NAME = 64;

export function createCertificateKeyPem(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

export async function createCsrPem(names: readonly string[], keyPem: string): Promise<string> {
  const commonName = names.find((n) => n.length <= MAX_COMMON_NAME);
  const [, csr] = await acme.crypto.createCsr(
    { altNames: [...names], ...(commonName ? { commonName } : {}) },
    keyPem,
  );
  return csr.toString();
}

const SAN_DNS = /^DNS:(.+)$/;

/**
 * Reads the chain the CA sent and checks it is what was ordered: the leaf carries our key and
 * every name (a CA or a proxy in between that answers with something else is caught here, not
 * by the first TLS client).
 */
export function readIssued(
  chainPem: string,
  keyPem: string,
  names: readonly string[],
): Omit<IssuedCertificate, 'warnings'> {
  const [leafPem] = acme.crypto.splitPemChain(chainPem);
  if (!leafPem) throw new BerthError('ACME_ORDER_FAILED', 'The CA answered the order with no certificate.');
  const leaf = new X509Certificate(leafPem);
  if (!leaf.checkPrivateKey(createPrivateKey(keyPem)))
    throw new BerthError(
      'ACME_ORDER_FAILED',
      'The CA sent a certificate for another key than the one Berth asked for.',
    );
  const covered = new Set(
    (leaf.subjectAltName ?? '').split(', ').flatMap((entry) => SAN_DNS.exec(entry)?.[1] ?? []),
  );
  const missing = names.filter((n) => !covered.has(n));
  if (missing.length > 0)
    throw new BerthError(
      'ACME_ORDER_FAILED',
      `The CA sent a certificate that does not cover ${missing.join(', ')}.`,
    );
  return {
    certificatePem: chainPem.endsWith('\n') ? chainPem : `${chainPem}\n`,
    keyPem,
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
    issuer: leaf.issuer.split('\n').join(', '),
  };
}
