/**
 * A stand-in ACME server for what Pebble cannot do: answer with a rate limit. Pebble 2.4 (Debian)
 * has no rate limits and never sends `Retry-After` with an error (its PEBBLE_* settings cover
 * nonces, validation and chains only), so tests of how Berth reads a CA's 429/503 use this.
 *
 * Real HTTPS on 127.0.0.1 (a throwaway CA, trusted through the issuer's `caCertPem`) speaking just
 * enough RFC 8555 for acme-client to get as far as the answer under test: the directory, nonces,
 * new-account and new-order. JWS bodies are not checked; every other path is 404. Each route's
 * answer can be replaced per request (by its 1-based count), the default standing otherwise.
 */
import https from 'node:https';
import type net from 'node:net';
import { createCertificateAuthority, issueServerCertificate } from '@berth/crypto';

const HOST = '127.0.0.1';
const DAY_MS = 24 * 3_600_000;

export type AcmeStubRoute = 'directory' | 'newAccount' | 'newOrder';

export interface AcmeStubReply {
  status: number;
  headers?: Record<string, string>;
  /** Sent as JSON: `application/problem+json` for a status of 400 and above. */
  body?: unknown;
}

/** The answer to the `count`-th request of a route, or undefined for the route's default. */
export type AcmeStubAnswer = (count: number) => AcmeStubReply | undefined;

export interface AcmeStub {
  directoryUrl: string;
  /** The CA of the stub's HTTPS certificate. */
  caPem: string;
  /** `METHOD /path` of every request, in order. */
  requests: string[];
  count(route: AcmeStubRoute): number;
  close(): Promise<void>;
}

const PATHS: Record<AcmeStubRoute, string> = {
  directory: '/dir',
  newAccount: '/new-account',
  newOrder: '/new-order',
};

export async function startAcmeStub(
  answers: Partial<Record<AcmeStubRoute, AcmeStubAnswer>> = {},
): Promise<AcmeStub> {
  const now = new Date();
  const ca = await createCertificateAuthority({
    commonName: 'Berth test: ACME stub CA',
    now,
    lifetimeMs: DAY_MS,
  });
  const leaf = await issueServerCertificate({
    ca,
    dnsNames: ['localhost'],
    ipAddresses: [HOST],
    now,
    lifetimeMs: DAY_MS,
    backdateMs: 60_000,
  });
  const requests: string[] = [];
  const counts = new Map<AcmeStubRoute, number>();
  let nonce = 0;
  let base = '';
  const defaults: Record<AcmeStubRoute, () => AcmeStubReply> = {
    directory: () => ({
      status: 200,
      body: {
        newNonce: `${base}/nonce`,
        newAccount: `${base}${PATHS.newAccount}`,
        newOrder: `${base}${PATHS.newOrder}`,
        revokeCert: `${base}/revoke`,
        keyChange: `${base}/key-change`,
      },
    }),
    newAccount: () => ({
      status: 201,
      headers: { location: `${base}/account/1` },
      body: { status: 'valid', contact: [] },
    }),
    newOrder: () => ({
      status: 404,
      body: { type: 'urn:ietf:params:acme:error:malformed', detail: 'the stub takes no orders' },
    }),
  };
  const server = https.createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
    const path = new URL(req.url ?? '/', 'https://x').pathname;
    requests.push(`${req.method ?? ''} ${path}`);
    req.resume();
    req.on('end', () => {
      // Every answer carries a fresh nonce, as a CA's do.
      const headers: Record<string, string> = { 'replay-nonce': `stub-nonce-${++nonce}` };
      if (path === '/nonce') return res.writeHead(200, headers).end();
      const route = (Object.keys(PATHS) as AcmeStubRoute[]).find((r) => PATHS[r] === path);
      if (route === undefined) return res.writeHead(404, headers).end();
      const count = (counts.get(route) ?? 0) + 1;
      counts.set(route, count);
      const reply = answers[route]?.(count) ?? defaults[route]();
      const type = reply.status >= 400 ? 'application/problem+json' : 'application/json';
      res
        .writeHead(reply.status, { ...headers, 'content-type': type, ...reply.headers })
        .end(reply.body === undefined ? '' : JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  base = `https://${HOST}:${(server.address() as net.AddressInfo).port}`;
  return {
    directoryUrl: `${base}${PATHS.directory}`,
    caPem: ca.certPem,
    requests,
    count: (route) => counts.get(route) ?? 0,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
