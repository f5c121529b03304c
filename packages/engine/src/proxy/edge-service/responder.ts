/**
 * The edge's own answers, for what no app serves: HTTP-01 tokens on any host, redirects (a
 * `--redirect-from` name, and plain HTTP of a host the edge has a certificate for), and the 404
 * for a host nobody serves. Caddy reaches it through the same DNS answers as any app (see
 * upstream-dns/answer.ts), so its static config never has to name a host. Loopback only.
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostEntry, type UpstreamTable } from '../upstream-dns/answer.js';

export interface EdgeResponderOptions {
  /** The routing table now (a file reader: asked at every request). */
  table: () => UpstreamTable;
  /** 0: any free port. Always on 127.0.0.1. */
  port?: number;
}

export interface EdgeResponder {
  port: number;
  close(): Promise<void>;
}

const CHALLENGE_PREFIX = '/.well-known/acme-challenge/';
const TOKEN = /^[A-Za-z0-9_-]{1,256}$/;
/** What a 404 may echo of the Host header: nothing that could be markup or a control character. */
const ECHOABLE = /^[a-z0-9.-]{1,253}$/;

const TEXT = { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' };

/** `Host` → name (lower case, no final dot) and the port as sent ('' for none). */
function splitHost(raw: string | undefined): { name: string; port: string } {
  const value = (raw ?? '').trim().toLowerCase();
  const m = /^([^:[\]]*)(?::([0-9]{1,5}))?$/.exec(value);
  if (!m) return { name: '', port: '' };
  return { name: (m[1] ?? '').replace(/\.$/, ''), port: m[2] ?? '' };
}

/** The request target to keep in a redirect: origin-form only (`/path?query`). */
const pathOf = (req: IncomingMessage): string => (req.url?.startsWith('/') ? req.url : '/');

export function answerEdgeRequest(table: UpstreamTable, req: IncomingMessage, res: ServerResponse): void {
  const path = pathOf(req);
  if (path.startsWith(CHALLENGE_PREFIX)) {
    const token = path.slice(CHALLENGE_PREFIX.length).split('?')[0] ?? '';
    const answer = TOKEN.test(token) ? table.challenges?.[token] : undefined;
    if (answer === undefined) res.writeHead(404, TEXT).end('No such challenge\n');
    else res.writeHead(200, { ...TEXT, 'cache-control': 'no-store' }).end(answer);
    return;
  }
  const host = splitHost(req.headers.host);
  const httpsPort = table.httpsPort === undefined || table.httpsPort === 443 ? '' : `:${table.httpsPort}`;
  const redirect = table.redirects?.[host.name];
  if (redirect !== undefined) {
    const origin = redirect.https
      ? `https://${redirect.to}${httpsPort}`
      : `http://${redirect.to}${host.port === '' ? '' : `:${host.port}`}`;
    res.writeHead(308, { ...TEXT, location: `${origin}${path}` }).end();
    return;
  }
  // Only plain HTTP of a host with a certificate is sent here (HTTPS goes to the app).
  if (hostEntry(table, host.name)?.https === true) {
    res.writeHead(308, { ...TEXT, location: `https://${host.name}${httpsPort}${path}` }).end();
    return;
  }
  const shown = ECHOABLE.test(host.name) ? host.name : 'this address';
  res.writeHead(404, TEXT).end(`No app is served at ${shown}\n`);
}

export async function startEdgeResponder(options: EdgeResponderOptions): Promise<EdgeResponder> {
  const server = createServer((req, res) => {
    try {
      answerEdgeRequest(options.table(), req, res);
    } catch {
      if (!res.headersSent) res.writeHead(500, TEXT);
      res.end();
    }
  });
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
