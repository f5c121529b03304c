/**
 * What the edge TLS tests put around a private Caddy: a throwaway CA trusted only by the tests'
 * own clients, a stand-in for the agent's certificate, ask and ACME-challenge endpoints that
 * records every request, and a server that records anything that tries to speak ACME.
 */

import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import tls from 'node:tls';
import { createCertificateAuthority, issueServerCertificate } from '@berth/crypto';
import type { PemCertificate } from '@berth/crypto';

const DAY = 24 * 3600_000;

export interface TestPki {
  caPem: string;
  /** A leaf for `names`, signed by the run's CA; its PEM chain is leaf + CA. */
  issue(names: readonly string[]): Promise<PemCertificate & { serial: string }>;
}

export async function createTestPki(): Promise<TestPki> {
  const ca = await createCertificateAuthority({
    commonName: 'Berth edge TLS test CA',
    now: new Date(),
    lifetimeMs: DAY,
  });
  return {
    caPem: ca.certPem,
    async issue(names) {
      const leaf = await issueServerCertificate({
        ca,
        dnsNames: names,
        ipAddresses: [],
        now: new Date(),
        lifetimeMs: DAY,
        backdateMs: 60_000,
      });
      return { certPem: leaf.certPem + ca.certPem, keyPem: leaf.keyPem, serial: leaf.serial };
    },
  };
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
}

export interface RecordingServer {
  port: number;
  url(path: string): string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

type Handler = (req: RecordedRequest, res: http.ServerResponse) => void;

/** An HTTP server on 127.0.0.1 that records each request before `handle` answers it. */
export async function startRecordingServer(handle: Handler): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  const srv = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const recorded: RecordedRequest = {
      method: req.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
    };
    requests.push(recorded);
    req.resume();
    req.on('end', () => handle(recorded, res));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  return {
    port,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    requests,
    async close() {
      srv.closeAllConnections();
      await new Promise((r) => srv.close(r));
    },
  };
}

export interface CertificateAgent extends RecordingServer {
  /** Serve `cert` for `name` from now on (a rotation when the name had one). */
  set(name: string, cert: PemCertificate): void;
  remove(name: string): void;
  /** Names whose ask the agent approves although it holds no certificate for them. */
  approveWithoutCertificate(name: string): void;
  /** What the certificate endpoint answers for a name it has no certificate for (204 unless set). */
  answerMissingWith(status: number): void;
  /** HTTP-01 tokens the challenge path answers. */
  setChallenge(token: string, keyAuthorization: string): void;
  certificateRequests(name?: string): RecordedRequest[];
  askRequests(name?: string): RecordedRequest[];
}

export const CERTIFICATE_PATH = '/edge/certificate';
export const ASK_PATH = '/edge/ask';
export const CHALLENGE_PREFIX = '/.well-known/acme-challenge/';

/**
 * The agent's side of the edge as these tests assume it: `GET /edge/certificate?server_name=N`
 * answers the PEM chain and key of N in one body, 204 when it has none; `GET /edge/ask?domain=N`
 * answers 200 for a name it serves and 403 for any other; HTTP-01 tokens under the challenge path.
 */
export async function startCertificateAgent(): Promise<CertificateAgent> {
  const certs = new Map<string, PemCertificate>();
  const approved = new Set<string>();
  const challenges = new Map<string, string>();
  let missingStatus = 204;
  const server = await startRecordingServer((req, res) => {
    if (req.path === CERTIFICATE_PATH) {
      // Caddy passes the SNI in the client's case; DNS names are not case-sensitive.
      const cert = certs.get((req.query.server_name ?? '').toLowerCase());
      if (cert === undefined) res.writeHead(missingStatus).end();
      else res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(cert.certPem + cert.keyPem);
    } else if (req.path === ASK_PATH) {
      const name = (req.query.domain ?? '').toLowerCase();
      res.writeHead(certs.has(name) || approved.has(name) ? 200 : 403).end();
    } else if (req.path.startsWith(CHALLENGE_PREFIX)) {
      const answer = challenges.get(req.path.slice(CHALLENGE_PREFIX.length));
      if (answer === undefined) res.writeHead(404).end();
      else res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(answer);
    } else res.writeHead(404).end();
  });
  const only = (path: string, key: string, name?: string): RecordedRequest[] =>
    server.requests.filter((r) => r.path === path && (name === undefined || r.query[key] === name));
  return {
    ...server,
    set: (name, cert) => void certs.set(name, cert),
    remove: (name) => void certs.delete(name),
    approveWithoutCertificate: (name) => void approved.add(name),
    answerMissingWith: (status) => void (missingStatus = status),
    setChallenge: (token, answer) => void challenges.set(token, answer),
    certificateRequests: (name) => only(CERTIFICATE_PATH, 'server_name', name),
    askRequests: (name) => only(ASK_PATH, 'domain', name),
  };
}

export interface Handshake {
  /** Serial of the certificate the edge presented, lowercase hex. */
  serial: string;
  socket: tls.TLSSocket;
}

/** A TLS handshake with the edge for `servername`, verified against the test CA only. */
export function handshake(
  port: number,
  servername: string,
  caPem: string,
  host = '127.0.0.1',
): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host,
      port,
      servername,
      ca: caPem,
      ALPNProtocols: ['http/1.1'],
    });
    socket.once('secureConnect', () =>
      resolve({ serial: socket.getPeerCertificate().serialNumber.toLowerCase(), socket }),
    );
    socket.once('error', reject);
  });
}

/** Serial of the certificate a fresh handshake gets; the connection is closed again. */
export async function servedSerial(port: number, servername: string, caPem: string): Promise<string> {
  const { serial, socket } = await handshake(port, servername, caPem);
  socket.destroy();
  return serial;
}

export interface HttpsReply {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
  /** Local port of the connection it came over: the same port means the same connection. */
  localPort: number;
}

/**
 * GET `path` from the edge's HTTPS port for `host` (Host, and SNI unless `servername`), trusting
 * the test CA only.
 * Without an `agent` the request has a connection of its own.
 */
export function httpsGet(
  port: number,
  host: string,
  path: string,
  caPem: string,
  agent?: https.Agent,
  servername = host,
): Promise<HttpsReply> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      { host: '127.0.0.1', port, path, servername, headers: { host }, ca: caPem, agent: agent ?? false },
      (res) => {
        // Read now: a kept-alive socket is detached from the response once it ends.
        const localPort = res.socket.localPort ?? 0;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers, localPort }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
  });
}
