/**
 * The upstream DNS service the proxy resolves app upstream sets through. It listens on a unix
 * stream socket, where two framings arrive: Go's resolver (Caddy) sees a net.UnixConn as a packet
 * connection and writes raw messages, while classic DNS-over-TCP clients prefix each message with
 * its length. Each message is answered in the framing it came in.
 */

import { lstat, chmod, unlink } from 'node:fs/promises';
import dgram from 'node:dgram';
import net from 'node:net';
import type { DnsLookup, Framing } from './dns-message.js';
import { HEADER_LEN, parseDnsQuery, respondTo, respondToParsed } from './dns-message.js';
import { BerthError } from '@berth/protocol';

export interface UpstreamDnsOptions {
  socketPath: string;
  lookup: DnsLookup;
  /** Also answer plain UDP here, e.g. `127.0.0.1:5354`, for tools like dig. */
  udpAddress?: { host: string; port: number };
  /** A connection that sends nothing for this long is closed. */
  idleTimeoutMs?: number;
}

export interface UpstreamDnsServer {
  socketPath: string;
  udpPort: number | null;
  close(): Promise<void>;
}

const MAX_BUFFERED = 2 + 65535;

type ConnFraming = 'unknown' | 'raw' | 'prefixed';

interface Responder {
  lookup: DnsLookup;
  /** Packet framing with a fresh rotation, so oversized SRV answers cycle through the whole set. */
  packet: () => Framing;
}

function createResponder(lookup: DnsLookup): Responder {
  let rotation = 0;
  return { lookup, packet: () => ({ kind: 'packet', rotation: rotation++ & 0xffff }) };
}

/** Splits a connection's bytes into messages and answers each; returns the unconsumed rest. */
function drain(
  buf: Buffer,
  state: { framing: ConnFraming },
  { lookup, packet }: Responder,
  send: (b: Buffer) => void,
): Buffer {
  while (buf.length >= 2) {
    const declared = buf.readUInt16BE(0);
    if (state.framing !== 'raw' && declared >= HEADER_LEN && buf.length >= declared + 2) {
      // A raw query read as prefixed has qdcount 0 in the shifted header, so this cannot misfire.
      const inner = parseDnsQuery(buf.subarray(2, 2 + declared));
      if (inner.kind === 'query') {
        state.framing = 'prefixed';
        const answer = respondToParsed(inner, lookup, { kind: 'stream' });
        if (answer) send(Buffer.concat([u16(answer.length), answer]));
        buf = buf.subarray(2 + declared);
        continue;
      }
    }
    if (state.framing !== 'prefixed') {
      const raw = parseDnsQuery(buf);
      if (raw.kind === 'query') {
        state.framing = 'raw';
        const answer = respondToParsed(raw, lookup, packet());
        if (answer) send(answer);
        buf = buf.subarray(raw.query.length);
        continue;
      }
    }
    // Perhaps the rest of a length-prefixed message is still on its way.
    if (state.framing !== 'raw' && declared >= HEADER_LEN && buf.length < declared + 2) return buf;
    if (state.framing === 'raw' && buf.length < HEADER_LEN) return buf;
    // Garbage: tell the sender (FORMERR when its header is readable) and drop it.
    const reject = state.framing === 'prefixed' ? null : respondTo(buf, lookup, packet());
    if (reject) send(reject);
    return Buffer.alloc(0);
  }
  return buf;
}

const u16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
};

/** Removes a socket file left by a crashed run; refuses to touch a live socket or a non-socket. */
async function clearStaleSocket(socketPath: string): Promise<void> {
  const st = await lstat(socketPath).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw e;
  });
  if (st === null) return;
  if (!st.isSocket()) {
    throw new BerthError(
      'PROXY_UNAVAILABLE',
      `The upstream DNS socket path ${socketPath} holds something else`,
      {
        hint: 'Move that file away; Berth only replaces sockets left behind by an earlier run.',
      },
    );
  }
  const live = await new Promise<boolean>((resolve) => {
    const probe = net.connect(socketPath);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (live) {
    throw new BerthError(
      'PROXY_UNAVAILABLE',
      `Another process already serves upstream DNS on ${socketPath}`,
      {
        hint: 'Stop the other berth agent using this data directory, or give this one its own.',
      },
    );
  }
  await unlink(socketPath);
}

function handleConnection(conn: net.Socket, responder: Responder, idleTimeoutMs: number): void {
  const state: { framing: ConnFraming } = { framing: 'unknown' };
  let pending: Buffer = Buffer.alloc(0);
  conn.setTimeout(idleTimeoutMs, () => conn.destroy());
  conn.on('error', () => conn.destroy());
  conn.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    if (pending.length > MAX_BUFFERED) {
      conn.destroy();
      return;
    }
    pending = drain(pending, state, responder, (b) => conn.write(b));
  });
}

async function startUdp(
  address: { host: string; port: number },
  responder: Responder,
): Promise<dgram.Socket> {
  const sock = dgram.createSocket(net.isIPv6(address.host) ? 'udp6' : 'udp4');
  sock.on('message', (msg, rinfo) => {
    const answer = respondTo(msg, responder.lookup, responder.packet());
    if (answer) sock.send(answer, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(address.port, address.host, () => {
      sock.off('error', reject);
      sock.on('error', () => undefined);
      resolve();
    });
  });
  return sock;
}

export async function startUpstreamDns(options: UpstreamDnsOptions): Promise<UpstreamDnsServer> {
  const { socketPath } = options;
  const responder = createResponder(options.lookup);
  const idleTimeoutMs = options.idleTimeoutMs ?? 10_000;
  await clearStaleSocket(socketPath);
  const connections = new Set<net.Socket>();
  const server = net.createServer((conn) => {
    connections.add(conn);
    conn.once('close', () => connections.delete(conn));
    handleConnection(conn, responder, idleTimeoutMs);
  });
  // Caddy opens one short connection per lookup; a cap keeps a runaway client from exhausting fds.
  server.maxConnections = 1024;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Only the proxy (same user) may ask; the data dir being 0700 is the main guard.
  await chmod(socketPath, 0o600);
  let udp: dgram.Socket | null = null;
  try {
    if (options.udpAddress) udp = await startUdp(options.udpAddress, responder);
  } catch (e) {
    server.close();
    throw e;
  }
  return {
    socketPath,
    udpPort: udp ? udp.address().port : null,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const c of connections) c.destroy();
      if (udp) udp.close();
      // server.close removes the socket file itself once listening stops.
      await closed;
    },
  };
}
