/**
 * X.509 certificates for berthd's TLS: an internal CA (long-lived, its key never leaves the
 * data dir) and the short-lived serving certificates it signs. node:crypto parses and verifies
 * certificates but cannot issue them; @peculiar/x509 builds them over node:crypto's WebCrypto
 * (ECDSA P-256, SHA-256). It is loaded on first use only, so nothing that never issues a
 * certificate (the CLI, the agent, berthd on loopback) pays for it or its Reflect polyfill.
 */
import { randomBytes, webcrypto, createPrivateKey } from 'node:crypto';
import type * as X509 from '@peculiar/x509';

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface PemCertificate {
  certPem: string;
  keyPem: string;
}

export interface IssuedCertificate extends PemCertificate {
  serial: string;
  notBefore: Date;
  notAfter: Date;
}

let loaded: Promise<typeof X509> | null = null;

function loadX509(): Promise<typeof X509> {
  loaded ??= (async () => {
    // tsyringe (under @peculiar/x509) needs the Reflect metadata API before it is imported.
    await import('reflect-metadata');
    const x509 = await import('@peculiar/x509');
    x509.cryptoProvider.set(webcrypto);
    return x509;
  })();
  return loaded;
}

/** A positive 127-bit serial, hex (RFC 5280: unique per CA, at most 20 octets). */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return bytes.toString('hex');
}

/** PEM as OpenSSL writes it (LF, a final newline), so chains concatenate and compare. */
const toPem = (cert: X509.X509Certificate): string =>
  `${cert.toString('pem').replace(/\r\n/g, '\n').trimEnd()}\n`;

async function keyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({
    format: 'pem',
    type: 'pkcs8',
  }) as string;
}

/** A self-signed CA that may sign end-entity certificates only (path length 0). */
export async function createCertificateAuthority(options: {
  commonName: string;
  now: Date;
  lifetimeMs: number;
}): Promise<IssuedCertificate> {
  const x509 = await loadX509();
  const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const serial = randomSerial();
  const notAfter = new Date(options.now.getTime() + options.lifetimeMs);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial,
    name: [{ CN: [options.commonName] }],
    notBefore: options.now,
    notAfter,
    signingAlgorithm: EC,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return {
    certPem: toPem(cert),
    keyPem: await keyPem(keys.privateKey),
    serial,
    notBefore: options.now,
    notAfter,
  };
}

/**
 * A TLS server certificate for `dnsNames` and `ipAddresses`, signed by `ca`. Valid from
 * `backdateMs` before `now` (clients whose clocks run a little behind still accept it) for
 * `lifetimeMs` after it.
 */
export async function issueServerCertificate(options: {
  ca: PemCertificate;
  dnsNames: readonly string[];
  ipAddresses: readonly string[];
  now: Date;
  lifetimeMs: number;
  backdateMs: number;
}): Promise<IssuedCertificate> {
  const x509 = await loadX509();
  const caCert = new x509.X509Certificate(options.ca.certPem);
  const caKey = await webcrypto.subtle.importKey(
    'pkcs8',
    createPrivateKey(options.ca.keyPem).export({ format: 'der', type: 'pkcs8' }),
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['sign'],
  );
  const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const serial = randomSerial();
  const notBefore = new Date(options.now.getTime() - options.backdateMs);
  const notAfter = new Date(options.now.getTime() + options.lifetimeMs);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: [{ CN: ['berthd'] }],
    issuer: caCert.subject,
    notBefore,
    notAfter,
    signingAlgorithm: EC,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      new x509.SubjectAlternativeNameExtension([
        ...options.dnsNames.map((value) => ({ type: 'dns' as const, value })),
        ...options.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: toPem(cert), keyPem: await keyPem(keys.privateKey), serial, notBefore, notAfter };
}
