/**
 * What Caddy asks at every TLS handshake (its `get_certificate` http manager, see
 * docs/architecture.md "TLS on Caddy 2.6"): `GET <certificateUrl>?server_name=N` → 200 with N's
 * PEM chain then key, 404 for a name the edge holds no certificate for (2.6 fails that handshake;
 * 2.7+ would take 204 as "ask the issuers", which the edge never wants). `GET <askUrl>?domain=N`
 * → 200 only for a name it holds one for. On loopback TCP (Caddy 2.6's manager speaks HTTP to a
 * URL), so the path carries a secret: a private key is never handed to any local process that
 * merely finds the port.
 */

import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { certificateFor, type CertificateTable } from './table.js';

export interface CertificateEndpointOptions {
  /** The certificates now (a file reader: asked at every request). */
  table: () => CertificateTable;
  /** The path's secret segment: 32+ URL-safe characters, random per edge. */
  secret: string;
  /** 0: any free port. Always on 127.0.0.1. */
  port?: number;
}

export interface CertificateEndpoint {
  certificateUrl: string;
  askUrl: string;
  close(): Promise<void>;
}

const SECRET = /^[A-Za-z0-9_-]{32,128}$/;

/** The URLs Caddy is given for an endpoint on `port` with `secret` (the agent renders them, the edge service serves them). */
export function certificateEndpointUrls(
  port: number,
  secret: string,
): { certificateUrl: string; askUrl: string } {
  const base = `http://127.0.0.1:${port}/${secret}`;
  return { certificateUrl: `${base}/certificate`, askUrl: `${base}/ask` };
}

export async function startCertificateEndpoint(
  options: CertificateEndpointOptions,
): Promise<CertificateEndpoint> {
  if (!SECRET.test(options.secret))
    throw new Error('the certificate endpoint needs a secret of 32+ URL-safe characters');
  const expected = Buffer.from(`/${options.secret}/`);
  const server = createServer((req, res) => {
    try {
      answer(req, res, expected, options.table);
    } catch {
      res.writeHead(500).end();
    }
  });
  // A handshake waits on this answer: no keep-alive games, answer or close.
  server.requestTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    ...certificateEndpointUrls(port, options.secret),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function answer(
  req: IncomingMessage,
  res: ServerResponse,
  expected: Buffer,
  table: () => CertificateTable,
): void {
  const url = new URL(req.url ?? '/', 'http://edge');
  const prefix = Buffer.from(url.pathname.slice(0, expected.length));
  if (req.method !== 'GET' || prefix.length !== expected.length || !timingSafeEqual(prefix, expected)) {
    res.writeHead(404).end();
    return;
  }
  const what = url.pathname.slice(expected.length);
  const name = what === 'certificate' ? url.searchParams.get('server_name') : url.searchParams.get('domain');
  const found = name === null ? null : certificateFor(table(), name);
  if ((what !== 'certificate' && what !== 'ask') || !found) {
    res.writeHead(404).end();
    return;
  }
  if (what === 'ask') {
    res.writeHead(200).end();
    return;
  }
  const body = `${found.chainPem.trimEnd()}\n${found.keyPem.trimEnd()}\n`;
  res.writeHead(200, { 'content-type': 'application/x-pem-file', 'cache-control': 'no-store' }).end(body);
}
