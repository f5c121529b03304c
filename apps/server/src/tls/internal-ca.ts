/**
 * berthd's internal CA: made on the first start that serves beyond loopback, kept in the data
 * dir beside master.key (`ca.key` 0600, `ca.crt`), valid for 10 years. Clients pin its public
 * key, so the serving certificates it signs can be renewed at any time without anyone noticing.
 */
import { randomBytes, X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCertificateAuthority, publicKeyFingerprint, type PemCertificate } from '@berth/crypto';
import { BerthError } from '@berth/protocol';

const CA_LIFETIME_MS = 10 * 365 * 24 * 3_600_000;

export interface InternalCa extends PemCertificate {
  /** What clients pin: `sha256:` of the CA's public key. */
  fingerprint: string;
  notAfter: Date;
}

export const caFiles = (dataDir: string): { cert: string; key: string } => ({
  cert: join(dataDir, 'ca.crt'),
  key: join(dataDir, 'ca.key'),
});

const readOrNull = (file: string): Promise<string | null> =>
  readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });

export async function loadOrCreateInternalCa(
  dataDir: string,
  now: Date,
): Promise<{ ca: InternalCa; created: boolean }> {
  const files = caFiles(dataDir);
  const [certPem, keyPem] = await Promise.all([readOrNull(files.cert), readOrNull(files.key)]);
  if (certPem !== null && keyPem !== null)
    return { ca: checkedCa(certPem, keyPem, files.cert), created: false };
  if (certPem !== null || keyPem !== null)
    throw new BerthError('INTERNAL', `Only one of ${files.cert} and ${files.key} exists`, {
      hint: 'Restore the missing file from your backup: clients pin this CA. Remove both only to make a new CA, which every client must then pin again',
    });
  const made = await createCertificateAuthority({
    commonName: `Berth internal CA ${randomBytes(6).toString('hex')}`,
    now,
    lifetimeMs: CA_LIFETIME_MS,
  });
  // The key first, 0600 and never over an existing file; each file appears whole (rename).
  await writeFile(`${files.key}.tmp`, made.keyPem, { mode: 0o600, flag: 'w' });
  await rename(`${files.key}.tmp`, files.key);
  await writeFile(`${files.cert}.tmp`, made.certPem, { mode: 0o644 });
  await rename(`${files.cert}.tmp`, files.cert);
  return { ca: checkedCa(made.certPem, made.keyPem, files.cert), created: true };
}

function checkedCa(certPem: string, keyPem: string, certFile: string): InternalCa {
  const cert = new X509Certificate(certPem);
  if (!cert.ca || !cert.checkPrivateKey(createPrivateKey(keyPem)))
    throw new BerthError('INTERNAL', `${certFile} is not a CA certificate for the key beside it`, {
      hint: 'Restore ca.crt and ca.key from the same backup',
    });
  return { certPem, keyPem, fingerprint: publicKeyFingerprint(cert), notAfter: new Date(cert.validTo) };
}
