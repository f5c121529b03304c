/**
 * Finding the CA a pinned fingerprint names, from the server itself — the way `kubeadm join`
 * uses `--discovery-token-ca-cert-hash`. A first TLS connection reads the chain the server
 * presents without trusting it; the CA certificate in it whose public key has the pinned
 * fingerprint is returned. The caller then connects again trusting only that CA, with full
 * verification (chain, validity, host name) by OpenSSL: this code never decides on its own
 * that a server certificate is good, it only picks which CA to trust.
 */
import { X509Certificate } from 'node:crypto';
import { connect, type DetailedPeerCertificate } from 'node:tls';
import { publicKeyFingerprint } from './fingerprint.js';

export interface PinnedCaTarget {
  host: string;
  port: number;
  /** The pin, as parseCaFingerprint returns it. */
  fingerprint: string;
  timeoutMs?: number;
}

/** Why a server could not be trusted: the pin was not in its chain, or TLS failed. */
export class PinnedCaError extends Error {
  constructor(
    message: string,
    readonly kind: 'mismatch' | 'unreachable',
    /** The fingerprints of the CA certificates the server did present. */
    readonly presented: readonly string[] = [],
  ) {
    super(message);
    this.name = 'PinnedCaError';
  }
}

/** The certificates of a peer's chain, leaf first, each once. */
function chainOf(peer: DetailedPeerCertificate): X509Certificate[] {
  const chain: X509Certificate[] = [];
  const seen = new Set<DetailedPeerCertificate>();
  for (let c: DetailedPeerCertificate | undefined = peer; c?.raw && !seen.has(c); c = c.issuerCertificate) {
    seen.add(c);
    chain.push(new X509Certificate(c.raw));
  }
  return chain;
}

/** The PEM of the CA certificate with the pinned public key that `target` presents in its chain. */
export function fetchPinnedCa(target: PinnedCaTarget): Promise<string> {
  const isName = !/^[0-9.]+$/.test(target.host) && !target.host.includes(':');
  return new Promise((resolve, reject) => {
    // Unverified on purpose: only the chain is read here (see above).
    const socket = connect({
      host: target.host,
      port: target.port,
      ...(isName ? { servername: target.host } : {}),
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    socket.setTimeout(target.timeoutMs ?? 10_000, () =>
      socket.destroy(new Error(`no TLS answer within ${target.timeoutMs ?? 10_000} ms`)),
    );
    socket.once('error', (err: Error) =>
      reject(new PinnedCaError(`TLS to ${target.host}:${target.port} failed: ${err.message}`, 'unreachable')),
    );
    socket.once('secureConnect', () => {
      const chain = chainOf(socket.getPeerCertificate(true));
      socket.end();
      const authorities = chain.filter((c) => c.ca);
      const pinned = authorities.find((c) => publicKeyFingerprint(c) === target.fingerprint);
      if (pinned) return resolve(pinned.toString());
      const presented = authorities.map((c) => publicKeyFingerprint(c));
      reject(
        new PinnedCaError(
          `The server at ${target.host}:${target.port} does not present the CA with fingerprint ${target.fingerprint}` +
            (presented.length > 0
              ? ` (its CA has ${presented.join(', ')})`
              : ' (it presents no CA certificate)'),
          'mismatch',
          presented,
        ),
      );
    });
  });
}
