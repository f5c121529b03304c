/**
 * A tiny HTTP-01 responder on 127.0.0.1 implementing the issuer's Http01Port, as an edge will:
 * `GET /.well-known/acme-challenge/<token>` answers the published key authorization. `tamper`
 * makes it answer something else, for the failure tests.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Http01Port } from '../types.js';

const PREFIX = '/.well-known/acme-challenge/';

export interface Http01Responder extends Http01Port {
  port: number;
  /** Tokens currently published. */
  published(): string[];
  /** Paths the CA asked for, in order. */
  requests: string[];
  /** While set, every answer is replaced by this value. */
  tamper(answer: string | null): void;
  close(): Promise<void>;
}

export async function startHttp01Responder(): Promise<Http01Responder> {
  const answers = new Map<string, string>();
  const requests: string[] = [];
  let forced: string | null = null;
  const server = http.createServer((req, res) => {
    const path = req.url ?? '';
    requests.push(path);
    const answer = path.startsWith(PREFIX) ? answers.get(path.slice(PREFIX.length)) : undefined;
    if (answer === undefined) {
      res.writeHead(404).end('no such token');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end(forced ?? answer);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    published: () => [...answers.keys()],
    tamper: (answer) => {
      forced = answer;
    },
    publish: (token, keyAuthorization) => {
      answers.set(token, keyAuthorization);
      return Promise.resolve();
    },
    withdraw: (token) => {
      answers.delete(token);
      return Promise.resolve();
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
