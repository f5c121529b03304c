/** Clients for the internal DNS server's tests: one UDP question, and a TCP connection. */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { parseDnsResponse, type DnsResponse } from '../../upstream-dns/dns-response.js';

/** Sends one UDP message and reads the one answer (raw bytes, and parsed). */
export async function askUdp(port: number, message: Buffer): Promise<{ raw: Buffer; parsed: DnsResponse }> {
  const sock = dgram.createSocket('udp4');
  try {
    const reply = new Promise<Buffer>((resolve) => sock.once('message', resolve));
    sock.send(message, port, '127.0.0.1');
    const raw = await reply;
    const parsed = parseDnsResponse(raw);
    assert.ok(parsed);
    return { raw, parsed };
  } finally {
    sock.close();
  }
}

export interface TcpDnsClient {
  /** Writes raw bytes as they are (frames, or garbage). */
  write(bytes: Buffer): void;
  /** The next `count` framed answers, parsed. */
  read(count: number): Promise<DnsResponse[]>;
  /** Resolves when the server closed the connection. */
  closed: Promise<void>;
  destroy(): void;
}

export const frame = (message: Buffer): Buffer => {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(message.length);
  return Buffer.concat([length, message]);
};

export async function connectTcp(port: number): Promise<TcpDnsClient> {
  const conn = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    conn.once('connect', resolve);
    conn.once('error', reject);
  });
  conn.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => conn.once('close', () => resolve()));
  let buffered = Buffer.alloc(0);
  const frames: Buffer[] = [];
  let wake: () => void = () => undefined;
  conn.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
      frames.push(buffered.subarray(2, 2 + buffered.readUInt16BE(0)));
      buffered = buffered.subarray(2 + buffered.readUInt16BE(0));
    }
    wake();
  });
  // A read waiting for frames that will never come wakes up and fails.
  void closed.then(() => wake());
  return {
    write: (bytes) => conn.write(bytes),
    async read(count) {
      while (frames.length < count) {
        assert.ok(!conn.destroyed || frames.length >= count, 'the server closed the connection');
        await new Promise<void>((resolve) => (wake = resolve));
      }
      return frames.splice(0, count).map((raw) => {
        const parsed = parseDnsResponse(raw);
        assert.ok(parsed);
        return parsed;
      });
    },
    closed,
    destroy: () => conn.destroy(),
  };
}
