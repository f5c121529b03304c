/**
 * The DNS server on one team network's gateway, over UDP (./udp.ts) and TCP (./tcp.ts) on the
 * same port: answers the team's `<app>.internal` names (./answer.ts) and relays every other
 * question, raw, to the host's resolvers (IPv4 and IPv6), so the team's replicas keep resolving
 * the world. A relayed answer too big for a UDP client comes back truncated (TC); the client then
 * asks over TCP, which is relayed over TCP.
 */

import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { TeamNames } from './answer.js';
import { createTcpDnsServer, type TcpDnsServer } from './tcp.js';
import { createTcpRelay } from './tcp-relay.js';
import { bindUdp, createUdpRelay, serveUdp } from './udp.js';

export interface InternalDnsOptions {
  /** The gateway address to bind; it must exist on the host already (EADDRNOTAVAIL otherwise). */
  host: string;
  /** UDP and TCP both; 0 picks a port free for both (tests). */
  port?: number;
  /** Read at each question: the team's names change without a new socket. */
  names: () => TeamNames;
  /** Read at each relayed question (resolv.conf may change). IPv4 or IPv6. */
  resolvers: () => readonly string[];
  /** Where the resolvers listen (tests run one on a high port). */
  resolverPort?: number;
  /** A relayed question without an answer by then is forgotten (UDP) or answered SERVFAIL (TCP). */
  relayTimeoutMs?: number;
  /** A TCP connection idle this long is closed. */
  tcpIdleMs?: number;
  /** TCP connections at once on this gateway. */
  maxTcpConnections?: number;
}

export interface InternalDnsServer {
  address: { host: string; port: number };
  close(): Promise<void>;
}

const DNS_PORT = 53;
/** With port 0, how often to try another port when TCP finds UDP's taken. */
const FREE_PORT_TRIES = 5;

export async function startInternalDns(options: InternalDnsOptions): Promise<InternalDnsServer> {
  const relayOptions = {
    resolvers: options.resolvers,
    resolverPort: options.resolverPort ?? DNS_PORT,
    timeoutMs: options.relayTimeoutMs ?? 5000,
  };
  const tcp = createTcpDnsServer(options.names, createTcpRelay(relayOptions), {
    idleMs: options.tcpIdleMs ?? 10_000,
    maxConnections: options.maxTcpConnections ?? 64,
  });
  const udpRelay = await createUdpRelay(relayOptions);
  let listener: dgram.Socket;
  try {
    listener = await bindBoth(options.host, options.port ?? DNS_PORT, tcp);
  } catch (e) {
    await udpRelay.close();
    throw e;
  }
  serveUdp(listener, options.names, udpRelay);

  const bound = listener.address();
  return {
    address: { host: bound.address, port: bound.port },
    async close() {
      await udpRelay.close();
      await Promise.all([tcp.close(), new Promise<void>((r) => listener.close(() => r()))]);
    },
  };
}

/** The UDP listener, and TCP listening on the same address and port. */
async function bindBoth(host: string, port: number, tcp: TcpDnsServer): Promise<dgram.Socket> {
  for (let attempt = 1; ; attempt++) {
    const listener = dgram.createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    try {
      await bindUdp(listener, port, host);
    } catch (e) {
      listener.close();
      throw e;
    }
    try {
      await listen(tcp, host, listener.address().port);
      return listener;
    } catch (e) {
      listener.close();
      const taken = (e as NodeJS.ErrnoException).code === 'EADDRINUSE';
      if (!(port === 0 && taken && attempt < FREE_PORT_TRIES)) throw e;
    }
  }
}

const listen = (tcp: TcpDnsServer, host: string, port: number): Promise<void> =>
  new Promise((resolve, reject) => {
    const failed = (e: Error): void => reject(e);
    tcp.server.once('error', failed);
    tcp.server.listen({ host, port, exclusive: true }, () => {
      tcp.server.off('error', failed);
      resolve();
    });
  });
