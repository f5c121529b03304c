/**
 * DNS over UDP on a team gateway: answers from ./questions.ts, and the relay of every other
 * question, raw, to the host's resolvers (IPv4 through a udp4 socket, IPv6 through a udp6 one).
 */

import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import { isIPv6, SocketAddress } from 'node:net';
import type { Framing } from '../upstream-dns/dns-message.js';
import type { TeamNames } from './answer.js';
import { fitForUdpClient, toHandling, toServfail } from './questions.js';

/** Relayed questions waiting at once; beyond this a question gets SERVFAIL rather than memory. */
const MAX_PENDING = 1024;
const PACKET: Framing = { kind: 'packet', rotation: 0 };

export interface UdpRelay {
  /** False when no resolver can be asked now (none, or too many questions waiting). */
  relay(message: Buffer, answered: (answer: Buffer) => void): boolean;
  close(): Promise<void>;
}

interface Pending {
  /** The client's own id, restored in the answer. */
  id: number;
  /** Canonical, without a zone: compared with where the answer came from. */
  resolver: string;
  answered: (answer: Buffer) => void;
  timer: NodeJS.Timeout;
}

export const bindUdp = (sock: dgram.Socket, port: number, host?: string): Promise<void> =>
  new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.bind({ port, ...(host !== undefined && { address: host }), exclusive: true }, () => {
      sock.off('error', reject);
      sock.on('error', () => undefined);
      resolve();
    });
  });

/** The form rinfo gives: `2001:db8::1` for any spelling of it; a zone (`%eth0`) is left out. */
function toCanonicalIp(address: string): string {
  const ip = address.split('%')[0] ?? address;
  return isIPv6(ip) ? new SocketAddress({ address: ip, family: 'ipv6' }).address : ip;
}

/** A socket of that family, or null when the host has none (IPv6 disabled). */
async function upstreamSocket(type: 'udp4' | 'udp6'): Promise<dgram.Socket | null> {
  const sock = dgram.createSocket({ type, ipv6Only: type === 'udp6' });
  try {
    await bindUdp(sock, 0);
    return sock;
  } catch {
    sock.close();
    return null;
  }
}

export async function createUdpRelay(options: {
  /** Read at each relayed question (resolv.conf may change). */
  resolvers: () => readonly string[];
  resolverPort: number;
  timeoutMs: number;
}): Promise<UdpRelay> {
  const v4 = await upstreamSocket('udp4');
  const v6 = await upstreamSocket('udp6');
  const pending = new Map<number, Pending>();
  let next = 0;
  const socketFor = (resolver: string): dgram.Socket | null =>
    isIPv6(resolver.split('%')[0] ?? resolver) ? v6 : v4;

  const onAnswer = (message: Buffer, rinfo: dgram.RemoteInfo): void => {
    if (message.length < 12) return;
    const id = message.readUInt16BE(0);
    const waiting = pending.get(id);
    if (!waiting || waiting.resolver !== toCanonicalIp(rinfo.address) || rinfo.port !== options.resolverPort)
      return;
    pending.delete(id);
    clearTimeout(waiting.timer);
    const back = Buffer.from(message);
    back.writeUInt16BE(waiting.id, 0);
    waiting.answered(back);
  };
  v4?.on('message', onAnswer);
  v6?.on('message', onAnswer);

  return {
    relay(message, answered) {
      // A resolver of a family this host has no socket for is skipped, not failed on.
      const usable = options.resolvers().filter((r) => socketFor(r) !== null);
      const resolver = usable[next++ % Math.max(1, usable.length)];
      const sock = resolver === undefined ? null : socketFor(resolver);
      if (resolver === undefined || sock === null || pending.size >= MAX_PENDING) return false;
      // A fresh random id per relayed question: a forged answer must guess it (and the resolver).
      let id = randomInt(0x10000);
      while (pending.has(id)) id = randomInt(0x10000);
      const out = Buffer.from(message);
      out.writeUInt16BE(id, 0);
      const timer = setTimeout(() => pending.delete(id), options.timeoutMs);
      timer.unref();
      pending.set(id, { id: message.readUInt16BE(0), resolver: toCanonicalIp(resolver), answered, timer });
      sock.send(out, options.resolverPort, resolver);
      return true;
    },
    async close() {
      for (const p of pending.values()) clearTimeout(p.timer);
      pending.clear();
      for (const sock of [v4, v6]) if (sock !== null) await new Promise<void>((r) => sock.close(() => r()));
    },
  };
}

/** Answers the team's replicas on `listener` (already bound to the gateway). */
export function serveUdp(listener: dgram.Socket, names: () => TeamNames, relay: UdpRelay): void {
  listener.on('message', (message, rinfo) => {
    const send = (answer: Buffer | null): void => {
      try {
        if (answer) listener.send(answer, rinfo.port, rinfo.address);
      } catch {
        // Closed meanwhile (the team's network went away): the client asks again.
      }
    };
    const handling = toHandling(message, names, PACKET);
    if (handling.kind === 'reply') return send(handling.message);
    const { query } = handling.parsed;
    if (!relay.relay(message, (answer) => send(fitForUdpClient(answer, query))))
      send(toServfail(handling.parsed, PACKET));
  });
}
