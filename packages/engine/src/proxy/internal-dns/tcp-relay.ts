/**
 * A relayed question over TCP: one connection to a host resolver per question (RFC 7766 framing),
 * so an answer too big for UDP arrives whole. Bounded in time and in number.
 */

import net from 'node:net';

/** TCP questions to resolvers at once per gateway; beyond this a question gets SERVFAIL. */
const MAX_RELAYS = 128;
const MAX_DNS_MESSAGE = 0xffff;

export interface TcpRelay {
  /** The resolver's answer, or null: no resolver, too many waiting, refused, junk or too slow. */
  relay(message: Buffer): Promise<Buffer | null>;
  close(): void;
}

export const toFrame = (message: Buffer): Buffer => {
  const frame = Buffer.alloc(2 + message.length);
  frame.writeUInt16BE(message.length, 0);
  message.copy(frame, 2);
  return frame;
};

export function createTcpRelay(options: {
  resolvers: () => readonly string[];
  resolverPort: number;
  timeoutMs: number;
}): TcpRelay {
  const open = new Set<net.Socket>();
  let next = 0;

  const ask = (message: Buffer, resolver: string): Promise<Buffer | null> =>
    new Promise((resolve) => {
      const conn = net.connect({ host: resolver, port: options.resolverPort });
      open.add(conn);
      let received = Buffer.alloc(0);
      let settled = false;
      const finish = (answer: Buffer | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        open.delete(conn);
        conn.destroy();
        resolve(answer);
      };
      const timer = setTimeout(() => finish(null), options.timeoutMs);
      conn.on('error', () => finish(null));
      conn.on('close', () => finish(null));
      conn.on('connect', () => conn.write(toFrame(message)));
      conn.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        if (received.length < 2) return;
        const length = received.readUInt16BE(0);
        if (received.length > 2 + MAX_DNS_MESSAGE) return finish(null);
        if (received.length < 2 + length) return;
        const answer = received.subarray(2, 2 + length);
        // The resolver answers what was asked on this connection: same id, and a response.
        const matches = length >= 12 && answer.readUInt16BE(0) === message.readUInt16BE(0);
        finish(matches && (answer.readUInt16BE(2) & 0x8000) !== 0 ? Buffer.from(answer) : null);
      });
    });

  return {
    relay(message) {
      const resolvers = options.resolvers();
      const resolver = resolvers[next++ % Math.max(1, resolvers.length)];
      if (resolver === undefined || open.size >= MAX_RELAYS) return Promise.resolve(null);
      return ask(message, resolver);
    },
    close() {
      for (const conn of open) conn.destroy();
      open.clear();
    },
  };
}
