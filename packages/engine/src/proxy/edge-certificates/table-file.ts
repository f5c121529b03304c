/**
 * The certificate table on disk, 0600: the Caddy edge adapter writes it, the endpoint beside
 * Caddy reads it at every handshake, so TLS keeps working while the agent restarts. Writes
 * replace it atomically.
 */

import { BerthError } from '@berth/protocol';
import { createChangedFileReader, writeFileAtomic } from '@berth/io';
import { emptyCertificateTable, parseCertificateTable, type CertificateTable } from './table.js';

export const CERTIFICATE_TABLE_FILE = 'certificates.json';

export function writeCertificateTable(path: string, table: CertificateTable): Promise<void> {
  return writeFileAtomic(path, `${JSON.stringify({ certificates: table.certificates })}\n`, { mode: 0o600 });
}

function unreadable(path: string, e: unknown): BerthError {
  const detail = e instanceof Error ? e.message : String(e);
  return new BerthError('INTERNAL', `The certificate table ${path} is unreadable: ${detail}`, {
    hint: 'It is rewritten when the edge is next given its certificates; until then the last good one is served.',
    cause: e,
  });
}

export interface CertificateTableReader {
  /** The table as the file holds it now; re-parsed only when the file changed. */
  current(): CertificateTable;
}

/** Asked at every handshake: see createChangedFileReader (a bad file keeps the last good table). */
export function createCertificateTableReader(
  path: string,
  onError: (e: BerthError) => void = () => undefined,
): CertificateTableReader {
  return createChangedFileReader({
    path,
    parse: (text) => parseCertificateTable(JSON.parse(text)),
    empty: emptyCertificateTable,
    onError: (e) => onError(unreadable(path, e)),
  });
}
