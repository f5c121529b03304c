import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { BerthError, type FieldIssue } from '@berth/protocol';

/** A PEM chain and key a person uploaded, checked: what berthd stores and the edges serve. */
export interface ParsedCertificate {
  /** The leaf's DNS names, lower case (`*.example.com` for a wildcard). */
  names: string[];
  issuer: string;
  notBefore: number;
  notAfter: number;
  /** The chain as PEM blocks, leaf first, normalised. */
  chainPem: string;
  /** The key as PKCS#8 PEM. */
  keyPem: string;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----/g;
const MAX_CHAIN = 8;

const invalid = (path: string, message: string): BerthError =>
  new BerthError('VALIDATION_FAILED', `The certificate cannot be used: ${message}`, {
    issues: [{ path, message }] satisfies FieldIssue[],
  });

/** `CN=R3, O=Let's Encrypt` → `R3`, else the whole name on one line. */
function issuerName(cert: X509Certificate): string {
  const lines = cert.issuer.split('\n');
  const cn = lines.find((l) => l.startsWith('CN='));
  return (cn?.slice(3) ?? lines.join(', ')).slice(0, 200);
}

function dnsNames(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4).toLowerCase());
}

/**
 * Refuses (VALIDATION_FAILED, naming the field) anything an edge could not serve: no PEM
 * certificate, a CA certificate as the leaf, a key that is not the leaf's, an expired leaf, one
 * with no DNS names.
 */
export function parseUploadedCertificate(chainPem: string, keyPem: string, now: number): ParsedCertificate {
  const blocks = chainPem.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0)
    throw invalid('certificatePem', 'it holds no PEM certificate (-----BEGIN CERTIFICATE-----)');
  if (blocks.length > MAX_CHAIN)
    throw invalid('certificatePem', `a chain of more than ${MAX_CHAIN} certificates`);
  let chain: X509Certificate[];
  try {
    chain = blocks.map((b) => new X509Certificate(b));
  } catch (e) {
    throw invalid(
      'certificatePem',
      `a certificate does not parse (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  const leaf = chain[0];
  if (!leaf) throw invalid('certificatePem', 'it holds no certificate');
  if (leaf.ca)
    throw invalid('certificatePem', 'the first certificate is a CA; put the server certificate first');
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    throw invalid('keyPem', 'it is not a PEM private key (an encrypted key must be decrypted first)');
  }
  if (!leaf.checkPrivateKey(key)) throw invalid('keyPem', 'it is not the private key of the certificate');
  const notAfter = Date.parse(leaf.validTo);
  if (!(notAfter > now)) throw invalid('certificatePem', `it expired on ${new Date(notAfter).toISOString()}`);
  const names = dnsNames(leaf);
  if (names.length === 0) throw invalid('certificatePem', 'it names no DNS name (subjectAltName)');
  return {
    names,
    issuer: issuerName(leaf),
    notBefore: Date.parse(leaf.validFrom),
    notAfter,
    chainPem: `${blocks.map((b) => b.trim()).join('\n')}\n`,
    keyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/**
 * Whether a certificate naming `certName` (exact, or `*.parent` for one label) covers `host` (a
 * name, or a wildcard domain, which only the same wildcard covers).
 */
export function certificateCovers(certName: string, host: string): boolean {
  if (certName === host) return true;
  if (host.startsWith('*.')) return false;
  if (!certName.startsWith('*.')) return false;
  const dot = host.indexOf('.');
  return dot > 0 && host.slice(dot + 1) === certName.slice(2);
}
