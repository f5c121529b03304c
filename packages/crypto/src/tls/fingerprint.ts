/**
 * CA fingerprints, as `berth up` prints them and `berth login --fingerprint` takes them:
 * `sha256:` and the hex SHA-256 of the CA's public key (its DER SubjectPublicKeyInfo), the way
 * kubeadm pins a cluster CA (`--discovery-token-ca-cert-hash`). Pinning the key rather than
 * the certificate means a CA certificate re-issued with the same key keeps every pin valid.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { BerthError } from '@berth/protocol';

const FINGERPRINT = /^sha256:([0-9a-f]{64})$/i;

/** `sha256:<64 hex>` in any case → its lowercase form; anything else is a VALIDATION_FAILED naming `what`. */
export function parseCaFingerprint(raw: string, what = '--fingerprint'): string {
  const match = FINGERPRINT.exec(raw.trim());
  if (!match?.[1])
    throw new BerthError(
      'VALIDATION_FAILED',
      `${what} must be "sha256:" followed by 64 hex digits, as berth up prints it; got "${raw}"`,
      {
        issues: [{ path: what, message: 'must be sha256:<64 hex digits>' }],
        hint: 'Copy the berth login line that berth up printed on the server',
      },
    );
  return `sha256:${match[1].toLowerCase()}`;
}

/** The fingerprint of a certificate's public key: a PEM or DER certificate, or a parsed one. */
export function publicKeyFingerprint(certificate: string | Buffer | X509Certificate): string {
  const cert = certificate instanceof X509Certificate ? certificate : new X509Certificate(certificate);
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}
