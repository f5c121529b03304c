/**
 * Certificate authorities the base images trust besides Debian's: on hosts behind a
 * TLS-intercepting proxy (companies, sandboxes) nothing in a build reaches an https registry
 * without the proxy's CA. By default they are the host's own additions, where Debian and Ubuntu
 * keep them (`/usr/local/share/ca-certificates/*.crt`); the images put them in the same place,
 * where `update-ca-certificates` (run when ca-certificates is installed) picks them up.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError } from '@berth/protocol';

export const HOST_CA_DIR = '/usr/local/share/ca-certificates';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END CERTIFICATE-----/g;

/** The PEM certificates in `text`, normalised, one per entry. */
export function toPemCertificates(text: string): string[] {
  const found = [...text.matchAll(PEM_BLOCK)].map(
    (m) =>
      `-----BEGIN CERTIFICATE-----\n${(m[1] ?? '').replace(/\r/g, '').trim()}\n-----END CERTIFICATE-----\n`,
  );
  if (found.length === 0 && text.trim() !== '') {
    throw new BerthError('VALIDATION_FAILED', 'No PEM certificate found in the CA certificates given', {
      hint: 'Give certificates as PEM text (-----BEGIN CERTIFICATE----- …).',
    });
  }
  return found;
}

/** Every certificate in the host's `*.crt` files under HOST_CA_DIR, sorted by file name. */
export async function readHostCaCertificates(dir: string = HOST_CA_DIR): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  const certs: string[] = [];
  for (const name of entries.filter((n) => n.endsWith('.crt')).sort()) {
    const text = await readFile(join(dir, name), 'utf8').catch(() => '');
    certs.push(...[...text.matchAll(PEM_BLOCK)].map((m) => m[0]).flatMap(toPemCertificates));
  }
  return certs;
}

/** Puts the certificates where the image's `update-ca-certificates` will find them. */
export async function addCaCertificates(rootfs: string, certs: readonly string[]): Promise<void> {
  const dir = join(rootfs, HOST_CA_DIR);
  await mkdir(dir, { recursive: true });
  for (const [i, pem] of certs.entries())
    await writeFile(join(dir, `berth-${i + 1}.crt`), pem, { mode: 0o644 });
}
