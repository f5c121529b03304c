import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BerthError } from '@berth/protocol';
import fc from 'fast-check';
import { buildQuery } from './dns-message.js';
import type { DnsLookup } from './dns-message.js';
import { parseDnsResponse } from './dns-response.js';
import type { DnsResponse } from './dns-response.js';
import { startUpstreamDns } from './dns-server.js';
import type { UpstreamDnsServer } from './dns-server.js';

let dir: string;
let server: UpstreamDnsServer;
const lookup: DnsLookup = (name, type) => {
  if (name === 'web.apps.berth.internal')
    return type === 'SRV' ? { srv: [{ target: 'r1.replicas.x', port: 4000 }] } : {};
  if (name === 'r1.replicas.x') return type === 'A' ? { a: ['127.0.0.1'] } : {};
  return null;
};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-dns-'));
  server = await startUpstreamDns({
    socketPath: join(dir, 'dns.sock'),
    lookup,
    udpAddress: { host: '127.0.0.1', port: 0 },
  });
});

after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const prefixed = (msg: Buffer): Buffer => {
  const p = Buffer.alloc(2);
  p.writeUInt16BE(msg.length);
  return Buffer.concat([p, msg]);
};

/** Writes the chunks with pauses between them and collects everything until `bytes` arrived. */
function converse(chunks: Buffer[], until: (got: Buffer) => boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const c = net.connect(server.socketPath);
    let got = Buffer.alloc(0);
    c.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (until(got)) c.end();
    });
    c.on('error', reject);
    c.on('close', () => resolve(got));
    chunks.forEach((chunk, i) => setTimeout(() => c.write(chunk), i * 20));
    // Garbage may get no reply at all: hang up ourselves instead of waiting for the idle timeout.
    setTimeout(() => c.end(), chunks.length * 20 + 300).unref();
  });
}

/** Splits a stream of length-prefixed responses. */
function unframe(buf: Buffer): DnsResponse[] {
  const out: DnsResponse[] = [];
  for (let at = 0; at + 2 <= buf.length;) {
    const len = buf.readUInt16BE(at);
    const r = parseDnsResponse(buf.subarray(at + 2, at + 2 + len));
    assert.ok(r);
    out.push(r);
    at += 2 + len;
  }
  return out;
}

test('the socket is private to its owner', () => {
  assert.equal(statSync(server.socketPath).mode & 0o777, 0o600);
});

test('a raw query (as Go sends it on a unix socket) gets a raw answer', async () => {
  const got = await converse([buildQuery(1, 'web.apps.berth.internal', 'SRV', true)], (b) => b.length > 0);
  const r = parseDnsResponse(got);
  assert.equal(r?.id, 1);
  assert.deepEqual(r?.srv, [{ target: 'r1.replicas.x', port: 4000, ttl: 0 }]);
});

test('length-prefixed queries are answered in order, also when split and coalesced', async () => {
  const q1 = prefixed(buildQuery(2, 'web.apps.berth.internal', 'SRV'));
  const q2 = prefixed(buildQuery(3, 'r1.replicas.x', 'A'));
  const q3 = prefixed(buildQuery(4, 'gone.apps.berth.internal', 'SRV'));
  const stream = Buffer.concat([q1, q2, q3]);
  // A first chunk of one byte, then the rest of q1 plus half of q2, then everything else.
  const cuts = [1, q1.length + 5];
  const chunks = [stream.subarray(0, cuts[0]), stream.subarray(cuts[0], cuts[1]), stream.subarray(cuts[1])];
  const got = await converse(chunks, (b) => unframe(b).length === 3);
  const answers = unframe(got);
  assert.deepEqual(
    answers.map((a) => [a.id, a.rcode]),
    [
      [2, 0],
      [3, 0],
      [4, 3],
    ],
  );
  assert.deepEqual(answers[1]?.a, [{ ip: '127.0.0.1', ttl: 0 }]);
});

test('two raw queries in one write get two answers', async () => {
  const q = (id: number): Buffer => buildQuery(id, 'r1.replicas.x', 'A');
  const one = await converse([q(5)], (b) => b.length > 0);
  const got = await converse([Buffer.concat([q(5), q(6)])], (b) => b.length >= 2 * one.length);
  assert.equal(got.length, 2 * one.length);
  assert.deepEqual(got.subarray(0, one.length), one);
  assert.equal(parseDnsResponse(got.subarray(one.length))?.id, 6);
});

test('garbage is answered with FORMERR or dropped, and the service keeps answering', async () => {
  const formerr = await converse(
    [Buffer.concat([buildQuery(8, 'x', 'A').subarray(0, 12), Buffer.from([0xc0])])],
    (b) => b.length >= 12,
  );
  assert.equal(parseDnsResponse(formerr)?.rcode, 1);
  await converse([Buffer.alloc(70_000, 0xff)], () => false);
  await converse([Buffer.from([0, 1, 2])], () => false);
  const ok = await converse([buildQuery(9, 'r1.replicas.x', 'A')], (b) => b.length > 0);
  assert.equal(parseDnsResponse(ok)?.a.length, 1);
});

test('random bytes in either framing never take the service down', async () => {
  const samples = fc.sample(fc.uint8Array({ minLength: 1, maxLength: 600 }), 150);
  for (const [i, bytes] of samples.entries()) {
    const msg = Buffer.from(bytes);
    // Every other sample steers past the header checks: clear QR, one question.
    if (i % 2 === 1 && msg.length >= 12) {
      msg[2] = (msg[2] ?? 0) & 0x07;
      msg.writeUInt16BE(1, 4);
    }
    const got = await converse([i % 3 === 0 ? prefixed(msg) : msg], (b) => b.length > 0);
    if (got.length > 0 && i % 3 !== 0) assert.ok(parseDnsResponse(got), 'any answer is a DNS message');
  }
  const sock = dgram.createSocket('udp4');
  for (const bytes of samples) sock.send(Buffer.from(bytes), server.udpPort!, '127.0.0.1');
  const reply = new Promise<Buffer>((resolve) =>
    sock.on('message', (m) => m.readUInt16BE(0) === 21 && resolve(m)),
  );
  sock.send(buildQuery(21, 'r1.replicas.x', 'A'), server.udpPort!, '127.0.0.1');
  assert.deepEqual(parseDnsResponse(await reply)?.a, [{ ip: '127.0.0.1', ttl: 0 }]);
  sock.close();
  const ok = await converse([buildQuery(22, 'r1.replicas.x', 'A')], (b) => b.length > 0);
  assert.equal(parseDnsResponse(ok)?.id, 22);
});

test('UDP answers too', async () => {
  const sock = dgram.createSocket('udp4');
  const reply = new Promise<Buffer>((resolve) => sock.once('message', resolve));
  sock.send(buildQuery(10, 'web.apps.berth.internal', 'SRV'), server.udpPort!, '127.0.0.1');
  const r = parseDnsResponse(await reply);
  sock.close();
  assert.equal(r?.srv[0]?.port, 4000);
});

test('a second server on a live socket is refused; a stale socket is replaced; a file is left alone', async () => {
  await assert.rejects(startUpstreamDns({ socketPath: server.socketPath, lookup }), (e: unknown) => {
    return e instanceof BerthError && e.code === 'PROXY_UNAVAILABLE' && /Another process/.test(e.message);
  });
  const stalePath = join(dir, 'stale.sock');
  const first = await startUpstreamDns({ socketPath: stalePath, lookup });
  await first.close();
  assert.equal(existsSync(stalePath), false, 'close removes the socket file');
  // A crashed run leaves the file behind: a child that listens and is killed does exactly that.
  const child = spawn(process.execPath, [
    '-e',
    `require('net').createServer().listen(${JSON.stringify(stalePath)}, () => console.log('up'))`,
  ]);
  await new Promise((r) => child.stdout.once('data', r));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  assert.equal(existsSync(stalePath), true);
  const second = await startUpstreamDns({ socketPath: stalePath, lookup });
  await second.close();
  const notSocket = join(dir, 'plain-file');
  await writeFile(notSocket, 'keep me');
  await assert.rejects(startUpstreamDns({ socketPath: notSocket, lookup }), /holds something else/);
});
