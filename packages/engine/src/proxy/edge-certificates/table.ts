/**
 * The certificates an edge serves, by name (issue 11). The Caddy adapter keeps them in a file
 * that a process beside Caddy serves to it at every TLS handshake (endpoint.ts): a config that
 * never changes after start can serve any certificate, and a rotation shows at the next handshake.
 */

export interface EdgeCertificate {
  /** The names it is served for: exact names, or `*.parent` for one label under `parent`. */
  names: string[];
  /** The leaf certificate then its intermediates, PEM. */
  chainPem: string;
  keyPem: string;
}

export interface CertificateTable {
  certificates: EdgeCertificate[];
}

export const emptyCertificateTable = (): CertificateTable => ({ certificates: [] });

const NAME = /^(\*\.)?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;
const PEM_BLOCK = /-----BEGIN [A-Z ]+-----/;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** unknown → CertificateTable; throws an Error naming the path of the first bad value. */
export function parseCertificateTable(v: unknown): CertificateTable {
  if (!isRecord(v) || !Array.isArray(v.certificates)) throw new Error('certificates is not a list');
  return {
    certificates: v.certificates.map((c: unknown, i) => {
      const where = `certificates[${i}]`;
      if (!isRecord(c)) throw new Error(`${where} is not an object`);
      const { names, chainPem, keyPem } = c;
      if (!Array.isArray(names) || names.length === 0)
        throw new Error(`${where}.names is not a list of names`);
      for (const n of names) {
        if (typeof n !== 'string' || n.length > 253 || !NAME.test(n))
          throw new Error(`${where}.names has ${JSON.stringify(n)}, not a lower-case domain name`);
      }
      if (typeof chainPem !== 'string' || !PEM_BLOCK.test(chainPem))
        throw new Error(`${where}.chainPem is not PEM`);
      if (typeof keyPem !== 'string' || !PEM_BLOCK.test(keyPem))
        throw new Error(`${where}.keyPem is not PEM`);
      return { names: names as string[], chainPem, keyPem };
    }),
  };
}

/**
 * A TLS client's server name as the edge matches it: lower-case (Caddy passes it on as the
 * client sent it), without a final dot; null for anything that is not a domain name.
 */
export function normalizeServerName(serverName: string): string | null {
  const name = serverName.toLowerCase().replace(/\.$/, '');
  return name.length <= 253 && NAME.test(name) && !name.startsWith('*.') ? name : null;
}

/** The certificate for a server name: one naming it exactly, else a wildcard one label up. */
export function certificateFor(table: CertificateTable, serverName: string): EdgeCertificate | null {
  const name = normalizeServerName(serverName);
  if (name === null) return null;
  const exact = table.certificates.find((c) => c.names.includes(name));
  if (exact) return exact;
  const wildcard = `*.${name.slice(name.indexOf('.') + 1)}`;
  return name.split('.').length > 2
    ? (table.certificates.find((c) => c.names.includes(wildcard)) ?? null)
    : null;
}
