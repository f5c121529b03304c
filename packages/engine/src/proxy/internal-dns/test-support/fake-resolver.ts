/**
 * A FAKE of the host's resolver, for the internal DNS server's tests: no real resolver with
 * records big enough to overflow UDP is reachable here (no internet, and the host's own resolver
 * serves nothing that large). It answers over UDP and TCP on one port: every A question with
 * 192.0.2.7, except `big.example`, which gets BIG_COUNT A records, more than 512 bytes. Over UDP
 * it sends them all whatever the client's size (as a careless resolver would): the server in
 * front of it must truncate.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';

export const BIG_NAME = 'big.example';
/** 40 A records (27 bytes each, uncompressed): over 512 bytes, under the 1232 of an EDNS client. */
export const BIG_COUNT = 40;

export interface FakeResolver {
  address: string;
  port: number;
  /** `udp:NAME` / `tcp:NAME`, in the order asked. */
  asked: string[];
  close(): Promise<void>;
}

function answerTo(query: Buffer): Buffer | null {
  const q = dnsPacket.decode(query);
  const question = q.questions?.[0];
  if (!question) return null;
  const ips =
    question.name === BIG_NAME
      ? Array.from({ length: BIG_COUNT }, (_, i) => `198.51.100.${i}`)
      : ['192.0.2.7'];
  return dnsPacket.encode({
    type: 'response',
    id: q.id ?? 0,
    flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
    questions: [question],
    answers: ips.map((ip) => ({ type: 'A' as const, name: question.name, ttl: 60, data: ip })),
  });
}

const nameOf = (query: Buffer): string => dnsPacket.decode(query).questions?.[0]?.name ?? '?';

/** Listens on `address` (127.0.0.x, or ::1), UDP and TCP on the same free port. */
export async function startFakeResolver(address: string): Promise<FakeResolver> {
  const asked: string[] = [];
  const udp = dgram.createSocket(net.isIPv6(address) ? 'udp6' : 'udp4');
  udp.on('message', (msg, rinfo) => {
    asked.push(`udp:${nameOf(msg)}`);
    const answer = answerTo(msg);
    if (answer) udp.send(answer, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => udp.bind(0, address, resolve));
  const port = udp.address().port;
  const conns = new Set<net.Socket>();
  const tcp = net.createServer((conn) => {
    conns.add(conn);
    conn.on('close', () => conns.delete(conn));
    let buffered = Buffer.alloc(0);
    conn.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const query = buffered.subarray(2, 2 + buffered.readUInt16BE(0));
        buffered = buffered.subarray(2 + query.length);
        asked.push(`tcp:${nameOf(query)}`);
        const answer = answerTo(query);
        if (!answer) continue;
        const length = Buffer.alloc(2);
        length.writeUInt16BE(answer.length);
        conn.write(Buffer.concat([length, answer]));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, address, resolve);
  });
  return {
    address,
    port,
    asked,
    async close() {
      for (const c of conns) c.destroy();
      await Promise.all([
        new Promise<void>((r) => tcp.close(() => r())),
        new Promise<void>((r) => udp.close(() => r())),
      ]);
    },
  };
}
