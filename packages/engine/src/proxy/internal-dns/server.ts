/**
 * The DNS server on one team network's gateway: answers the team's `<app>.internal` names
 * (./answer.ts) and relays every other question, raw, to the host's resolvers, so the team's
 * replicas keep resolving the world. UDP only: the answers are small, and a client that gets a
 * truncated relayed answer retries on TCP, where no one listens (it then fails that one lookup).
 */

import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import { parseDnsQuery, respondToParsed, type Framing } from '../upstream-dns/dns-message.js';
import { decideInternalQuery, type TeamNames } from './answer.js';

export interface InternalDnsOptions {
  /** The gateway address to bind; it must exist on the host already (EADDRNOTAVAIL otherwise). */
  host: string;
  port?: number;
  /** Read at each question: the team's names change without a new socket. */
  names: () => TeamNames;
  /** Read at each relayed question (resolv.conf may change). IPv4. */
  resolvers: () => readonly string[];
  /** Where the resolvers listen (tests run one on a high port). */
  resolverPort?: number;
  /** A relayed question without an answer by then is forgotten (the client asks again). */
  relayTimeoutMs?: number;
}

export interface InternalDnsServer {
  address: { host: string; port: number };
  close(): Promise<void>;
}

/** Relayed questions waiting at once; beyond this a question gets SERVFAIL rather than memory. */
const MAX_PENDING = 1024;
const DNS_PORT = 53;
const PACKET: Framing = { kind: 'packet', rotation: 0 };

interface Pending {
  client: { address: string; port: number };
  id: number;
  resolver: string;
  timer: NodeJS.Timeout;
}

const bind = (sock: dgram.Socket, port: number, host?: string): Promise<void> =>
  new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.bind({ port, ...(host !== undefined && { address: host }), exclusive: true }, () => {
      sock.off('error', reject);
      sock.on('error', () => undefined);
      resolve();
    });
  });

// Every answer we make is from the parsed query; a throwing lookup is how respondToParsed says SERVFAIL.
const servfail = (): never => {
  throw new Error('no resolver answered');
};

export async function startInternalDns(options: InternalDnsOptions): Promise<InternalDnsServer> {
  const listener = dgram.createSocket('udp4');
  const upstream = dgram.createSocket('udp4');
  await bind(listener, options.port ?? DNS_PORT, options.host);
  try {
    await bind(upstream, 0);
  } catch (e) {
    listener.close();
    throw e;
  }
  const pending = new Map<number, Pending>();
  const timeoutMs = options.relayTimeoutMs ?? 5000;
  const resolverPort = options.resolverPort ?? DNS_PORT;
  let nextResolver = 0;

  const relay = (message: Buffer, client: { address: string; port: number }): boolean => {
    const resolvers = options.resolvers();
    const resolver = resolvers[nextResolver++ % Math.max(1, resolvers.length)];
    if (resolver === undefined || pending.size >= MAX_PENDING) return false;
    // A fresh random id per relayed question: a forged answer must guess it (and the resolver).
    let id = randomInt(0x10000);
    while (pending.has(id)) id = randomInt(0x10000);
    const out = Buffer.from(message);
    out.writeUInt16BE(id, 0);
    const timer = setTimeout(() => pending.delete(id), timeoutMs);
    timer.unref();
    pending.set(id, { client, id: message.readUInt16BE(0), resolver, timer });
    upstream.send(out, resolverPort, resolver);
    return true;
  };

  listener.on('message', (message, rinfo) => {
    const client = { address: rinfo.address, port: rinfo.port };
    const parsed = parseDnsQuery(message);
    if (parsed.kind === 'query') {
      const q = parsed.query;
      const decision =
        q.name === null
          ? { kind: 'forward' as const }
          : decideInternalQuery(options.names(), q.name, typeOf(q.question.type));
      if (decision.kind === 'answer') {
        const answer = respondToParsed(parsed, () => decision.answer, PACKET);
        if (answer) listener.send(answer, client.port, client.address);
        return;
      }
      if (relay(message, client)) return;
      const failed = respondToParsed(parsed, servfail, PACKET);
      if (failed) listener.send(failed, client.port, client.address);
      return;
    }
    const answer = respondToParsed(parsed, servfail, PACKET);
    if (answer) listener.send(answer, client.port, client.address);
  });

  upstream.on('message', (message, rinfo) => {
    if (message.length < 12) return;
    const id = message.readUInt16BE(0);
    const waiting = pending.get(id);
    if (!waiting || waiting.resolver !== rinfo.address || rinfo.port !== resolverPort) return;
    pending.delete(id);
    clearTimeout(waiting.timer);
    const back = Buffer.from(message);
    back.writeUInt16BE(waiting.id, 0);
    listener.send(back, waiting.client.port, waiting.client.address);
  });

  const bound = listener.address();
  return {
    address: { host: bound.address, port: bound.port },
    async close() {
      for (const p of pending.values()) clearTimeout(p.timer);
      pending.clear();
      await Promise.all([listener, upstream].map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}

const typeOf = (type: string): 'SRV' | 'A' | 'OTHER' =>
  type === 'A' ? 'A' : type === 'SRV' ? 'SRV' : 'OTHER';
