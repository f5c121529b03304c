/**
 * DNS over TCP on a team gateway (RFC 7766): each message behind a 2-byte length, several per
 * connection, pipelined. Answers as over UDP (./questions.ts); relayed questions go to the host's
 * resolvers over TCP too (./tcp-relay.ts), so a large answer arrives whole. Every bound here is
 * per gateway, so one team's replicas can at worst starve their own team's TCP DNS.
 */

import net from 'node:net';
import type { Framing } from '../upstream-dns/dns-message.js';
import type { TeamNames } from './answer.js';
import { toHandling, toServfail } from './questions.js';
import { toFrame, type TcpRelay } from './tcp-relay.js';

export interface TcpLimits {
  /** A connection with nothing read or written for this long is closed. */
  idleMs: number;
  /** Connections at once; Node closes any beyond at once. */
  maxConnections: number;
}

/**
 * A query is a header, one question and an OPT record: far below this. A longer frame, or one
 * shorter than a header, is not a query: the connection is closed.
 */
const MAX_QUERY = 4096;
const HEADER_LEN = 12;
/** Questions of one connection waiting for their answers; reading pauses beyond this. */
const MAX_IN_FLIGHT = 16;
/** Answers a client leaves unread; beyond this it is not reading them, and is cut off. */
const MAX_UNREAD = 256 * 1024;
/** Bytes of questions not yet taken in (reading pauses while MAX_IN_FLIGHT wait). */
const MAX_BUFFERED = 128 * 1024;
const STREAM: Framing = { kind: 'stream' };

export interface TcpDnsServer {
  server: net.Server;
  /** Stops listening, drops every connection and every relayed question. */
  close(): Promise<void>;
}

export function createTcpDnsServer(names: () => TeamNames, relay: TcpRelay, limits: TcpLimits): TcpDnsServer {
  const connections = new Set<net.Socket>();
  const server = net.createServer((conn) => {
    connections.add(conn);
    conn.once('close', () => connections.delete(conn));
    serveConnection(conn, names, relay, limits.idleMs);
  });
  server.maxConnections = limits.maxConnections;
  server.on('error', () => undefined);
  return {
    server,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const c of connections) c.destroy();
      relay.close();
      await closed;
    },
  };
}

async function answer(message: Buffer, names: () => TeamNames, relay: TcpRelay): Promise<Buffer | null> {
  const handling = toHandling(message, names, STREAM);
  if (handling.kind === 'reply') return handling.message;
  return (await relay.relay(message)) ?? toServfail(handling.parsed, STREAM);
}

function serveConnection(conn: net.Socket, names: () => TeamNames, relay: TcpRelay, idleMs: number): void {
  let buffered: Buffer = Buffer.alloc(0);
  let inFlight = 0;
  // Answers leave in the order the questions came: every client can read them so.
  let written: Promise<void> = Promise.resolve();
  conn.setTimeout(idleMs, () => conn.destroy());
  conn.on('error', () => conn.destroy());

  const queue = (message: Buffer): void => {
    inFlight += 1;
    const pending = answer(message, names, relay).catch(() => null);
    written = written.then(async () => {
      const reply = await pending;
      inFlight -= 1;
      if (conn.destroyed) return;
      if (reply) conn.write(toFrame(reply));
      if (conn.writableLength > MAX_UNREAD) conn.destroy();
      else drain();
    });
  };

  /** Takes the complete frames in, as many as may be in flight; reading waits for the rest. */
  const drain = (): void => {
    while (inFlight < MAX_IN_FLIGHT && buffered.length >= 2) {
      const length = buffered.readUInt16BE(0);
      if (length < HEADER_LEN || length > MAX_QUERY) {
        conn.destroy();
        return;
      }
      if (buffered.length < 2 + length) break;
      queue(Buffer.from(buffered.subarray(2, 2 + length)));
      buffered = buffered.subarray(2 + length);
    }
    if (inFlight >= MAX_IN_FLIGHT) conn.pause();
    else conn.resume();
  };

  conn.on('data', (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    // Paused, a socket still hands over what it had read: bounded, or the client is not a client.
    if (buffered.length > MAX_BUFFERED) conn.destroy();
    else drain();
  });
}
