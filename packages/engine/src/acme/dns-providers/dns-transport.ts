/**
 * Sending one DNS message to one server and reading its answer, over UDP or TCP, with a deadline.
 * Used for the few messages a DNS-01 provider needs (SOA and TXT queries, RFC 2136 updates):
 * answers are matched by id and, over UDP, by the address they come from.
 */
import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { connect, isIP } from 'node:net';
import { BerthError } from '@berth/protocol';

export interface DnsServer {
  address: string;
  port: number;
  /** As the settings name it (`ns1.example.com:53`), for messages. */
  label: string;
}

const MAX_TCP_MESSAGE = 65535;

/** `IP`, `IP:port`, `[IPv6]:port`, `host`, `host:port` (already validated by the settings' schema). */
export async function resolveDnsServer(spec: string, defaultPort = 53): Promise<DnsServer> {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(spec);
  const [host, portText] = bracketed
    ? [bracketed[1] ?? '', bracketed[2]]
    : isIP(spec) === 6
      ? [spec, undefined]
      : (spec.split(':') as [string, string | undefined]);
  const port = portText === undefined ? defaultPort : Number(portText);
  if (isIP(host) !== 0) return { address: host, port, label: spec };
  const found = await lookup(host).catch((e: unknown) => {
    throw new BerthError(
      'DNS_PROVIDER_FAILED',
      `Cannot resolve the DNS server ${spec}: ${e instanceof Error ? e.message : String(e)}`,
      {
        hint: 'Give the server as an IP address, or check that its name resolves on this machine.',
        cause: e,
      },
    );
  });
  return { address: found.address, port, label: spec };
}

const idOf = (message: Buffer): number => message.readUInt16BE(0);

export function exchangeUdp(server: DnsServer, message: Buffer, timeoutMs: number): Promise<Buffer> {
  const socket = createSocket(isIP(server.address) === 6 ? 'udp6' : 'udp4');
  let timer: NodeJS.Timeout | undefined;
  const answered = new Promise<Buffer>((resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer from ${server.label} within ${timeoutMs} ms (UDP)`)),
      timeoutMs,
    );
    socket.on('error', reject);
    socket.on('message', (answer, from) => {
      // Anything else arriving on the port is not the answer: keep waiting for it.
      if (from.address !== server.address || from.port !== server.port) return;
      if (answer.length < 12 || idOf(answer) !== idOf(message)) return;
      resolve(answer);
    });
    socket.send(message, server.port, server.address, (e) => e && reject(e));
  });
  return answered.finally(() => {
    clearTimeout(timer);
    socket.close();
  });
}

/** RFC 1035 §4.2.2: each message prefixed by its length; one exchange per connection. */
export function exchangeTcp(server: DnsServer, message: Buffer, timeoutMs: number): Promise<Buffer> {
  const socket = connect({ host: server.address, port: server.port });
  let timer: NodeJS.Timeout | undefined;
  const answered = new Promise<Buffer>((resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer from ${server.label} within ${timeoutMs} ms (TCP)`)),
      timeoutMs,
    );
    const length = Buffer.alloc(2);
    length.writeUInt16BE(message.length);
    socket.on('connect', () => socket.end(Buffer.concat([length, message])));
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length > MAX_TCP_MESSAGE + 2)
        return reject(new Error(`oversized answer from ${server.label}`));
      if (received.length < 2) return;
      const size = received.readUInt16BE(0);
      if (received.length >= size + 2) resolve(received.subarray(2, size + 2));
    });
    socket.on('error', (e) => reject(new Error(`${server.label}: ${e.message}`)));
    socket.on('close', () => reject(new Error(`${server.label} closed the connection without an answer`)));
  });
  return answered
    .then((answer) => {
      if (answer.length < 12 || idOf(answer) !== idOf(message))
        throw new Error(`${server.label} answered another message (id mismatch)`);
      return answer;
    })
    .finally(() => {
      clearTimeout(timer);
      socket.destroy();
    });
}
