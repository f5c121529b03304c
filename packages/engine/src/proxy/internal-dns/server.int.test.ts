// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import net from 'node:net';
import { buildQuery } from '../upstream-dns/dns-message.js';
import { startInternalDns, type InternalDnsOptions, type InternalDnsServer } from './server.js';
import { askUdp, connectTcp, frame } from './test-support/dns-clients.js';
import { BIG_COUNT, BIG_NAME, startFakeResolver, type FakeResolver } from './test-support/fake-resolver.js';

const ask = async (port: number, name: string, type: 'A' | 'AAAA', id: number) =>
  (await askUdp(port, buildQuery(id, name, type))).parsed;

/** The server for team red (`api` only) on 127.0.0.1, relaying to `resolver`. */
async function startRed(
  t: { after(fn: () => Promise<void>): void },
  resolver: FakeResolver | null,
  extra: Partial<InternalDnsOptions> = {},
): Promise<{ dns: InternalDnsServer; port: number; apps: Set<string> }> {
  const apps = new Set(['api']);
  const dns = await startInternalDns({
    host: '127.0.0.1',
    port: 0,
    names: () => ({ gateway: '10.89.0.1', apps }),
    resolvers: () => (resolver ? [resolver.address] : []),
    ...(resolver && { resolverPort: resolver.port }),
    ...extra,
  });
  t.after(() => dns.close());
  return { dns, port: dns.address.port, apps };
}

async function fake(t: { after(fn: () => Promise<void>): void }, address: string): Promise<FakeResolver> {
  const resolver = await startFakeResolver(address);
  t.after(() => resolver.close());
  return resolver;
}

test('answers the team names, NXDOMAIN for other .internal names, relays the rest with the id restored', async (t) => {
  const resolver = await fake(t, '127.0.0.2');
  const { port, apps } = await startRed(t, resolver);

  const api = await ask(port, 'api.internal', 'A', 4242);
  assert.equal(api.id, 4242);
  assert.equal(api.rcode, 0);
  assert.deepEqual(
    api.a.map((r) => r.ip),
    ['10.89.0.1'],
  );
  const aaaa = await ask(port, 'api.internal', 'AAAA', 7);
  assert.equal(aaaa.rcode, 0);
  assert.deepEqual(aaaa.a, []);
  assert.equal((await ask(port, 'shop.internal', 'A', 8)).rcode, 3, 'another team: NXDOMAIN');

  const world = await ask(port, 'example.com', 'A', 31337);
  assert.equal(world.id, 31337);
  assert.deepEqual(
    world.a.map((r) => r.ip),
    ['192.0.2.7'],
  );
  assert.deepEqual(resolver.asked, ['udp:example.com'], 'the team names never left the server');

  apps.add('shop');
  assert.equal((await ask(port, 'shop.internal', 'A', 9)).rcode, 0, 'names are read at each question');
});

test('over TCP: the team names, NXDOMAIN for another team, a pipelined pair in order, the rest relayed over TCP', async (t) => {
  const resolver = await fake(t, '127.0.0.2');
  const { port } = await startRed(t, resolver);
  const conn = await connectTcp(port);
  t.after(() => conn.destroy());

  conn.write(frame(buildQuery(11, 'api.internal', 'A')));
  const [api] = await conn.read(1);
  assert.deepEqual([api?.id, api?.rcode, api?.a.map((r) => r.ip)], [11, 0, ['10.89.0.1']]);
  conn.write(frame(buildQuery(12, 'shop.internal', 'A')));
  const [shop] = await conn.read(1);
  assert.deepEqual([shop?.id, shop?.rcode], [12, 3], 'another team: NXDOMAIN');

  // Two questions in one write, the first relayed (slower) and the second answered here.
  conn.write(
    Buffer.concat([frame(buildQuery(21, 'example.com', 'A')), frame(buildQuery(22, 'api.internal', 'A'))]),
  );
  const [world, again] = await conn.read(2);
  assert.deepEqual([world?.id, world?.rcode, world?.a.map((r) => r.ip)], [21, 0, ['192.0.2.7']]);
  assert.deepEqual([again?.id, again?.a.map((r) => r.ip)], [22, ['10.89.0.1']]);
  assert.deepEqual(resolver.asked, ['tcp:example.com'], 'relayed over TCP, the team names stayed here');
});

test('a relayed answer too big for the UDP client comes back truncated; over TCP it comes whole', async (t) => {
  const resolver = await fake(t, '127.0.0.2');
  const { port } = await startRed(t, resolver);

  const classic = await askUdp(port, buildQuery(31, BIG_NAME, 'A'));
  assert.ok(classic.raw.length <= 512, `${classic.raw.length} bytes for a client without EDNS`);
  assert.deepEqual([classic.parsed.id, classic.parsed.truncated, classic.parsed.a.length], [31, true, 0]);
  assert.equal(classic.parsed.name, BIG_NAME);
  // A client that said it takes 1232 bytes (EDNS) gets what fits whole.
  const edns = await askUdp(port, buildQuery(32, BIG_NAME, 'A', true));
  assert.deepEqual([edns.parsed.id, edns.parsed.truncated, edns.parsed.a.length], [32, false, BIG_COUNT]);

  const conn = await connectTcp(port);
  t.after(() => conn.destroy());
  conn.write(frame(buildQuery(33, BIG_NAME, 'A')));
  const [whole] = await conn.read(1);
  assert.deepEqual([whole?.id, whole?.truncated, whole?.a.length], [33, false, BIG_COUNT]);
  assert.deepEqual(resolver.asked, [`udp:${BIG_NAME}`, `udp:${BIG_NAME}`, `tcp:${BIG_NAME}`]);
});

test("a real client library (c-ares, Node's dns.Resolver) gets the truncated answer, asks over TCP and has every record", async (t) => {
  const resolver = await fake(t, '127.0.0.2');
  const { port } = await startRed(t, resolver);
  const client = new Resolver({ timeout: 2000, tries: 1 });
  client.setServers([`127.0.0.1:${port}`]);
  assert.equal((await client.resolve4(BIG_NAME)).length, BIG_COUNT);
  assert.deepEqual(await client.resolve4('api.internal'), ['10.89.0.1']);
  assert.ok(resolver.asked.includes(`tcp:${BIG_NAME}`), resolver.asked.join(' '));
});

test('a host whose only nameserver is IPv6 (::1) still resolves, over UDP and TCP', async (t) => {
  const resolver = await fake(t, '::1');
  const { port } = await startRed(t, resolver);
  assert.deepEqual(
    (await ask(port, 'example.com', 'A', 41)).a.map((r) => r.ip),
    ['192.0.2.7'],
  );
  const conn = await connectTcp(port);
  t.after(() => conn.destroy());
  conn.write(frame(buildQuery(42, 'example.com', 'A')));
  const [answer] = await conn.read(1);
  assert.deepEqual([answer?.id, answer?.a.map((r) => r.ip)], [42, ['192.0.2.7']]);
  assert.deepEqual(resolver.asked, ['udp:example.com', 'tcp:example.com']);
});

test('an oversized or garbage TCP frame closes that connection; the server answers on', async (t) => {
  const resolver = await fake(t, '127.0.0.2');
  const { port } = await startRed(t, resolver);
  const junk = [
    Buffer.from([0xff, 0xff, 1, 2, 3]), // declares 64 KiB: no query is that long
    Buffer.from([0x00, 0x03, 1, 2, 3]), // shorter than a DNS header
  ];
  for (const bytes of junk) {
    const conn = await connectTcp(port);
    conn.write(bytes);
    await conn.closed;
  }
  // A header asking one question, then junk: FORMERR, and the connection goes on.
  const conn = await connectTcp(port);
  t.after(() => conn.destroy());
  conn.write(
    frame(Buffer.concat([Buffer.from([0, 9, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), Buffer.alloc(28, 0xff)])),
  );
  conn.write(frame(buildQuery(51, 'api.internal', 'A')));
  const answers = await conn.read(2);
  assert.equal(answers[0]?.rcode, 1, 'FORMERR');
  assert.deepEqual([answers[1]?.id, answers[1]?.a.map((r) => r.ip)], [51, ['10.89.0.1']]);
  assert.equal((await ask(port, 'api.internal', 'A', 52)).rcode, 0);
});

test('TCP is bounded: idle connections are closed, connections beyond the cap refused, a silent resolver is SERVFAIL', async (t) => {
  // A resolver that takes the connection and never answers.
  const held = new Set<net.Socket>();
  const silent = net.createServer((conn) => held.add(conn));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.2', resolve));
  const silentPort = (silent.address() as net.AddressInfo).port;
  t.after(() => {
    held.forEach((c) => c.destroy());
    return new Promise<void>((resolve) => silent.close(() => resolve()));
  });
  const { port } = await startRed(t, null, {
    resolvers: () => ['127.0.0.2'],
    resolverPort: silentPort,
    relayTimeoutMs: 300,
    tcpIdleMs: 500,
    maxTcpConnections: 2,
  });
  const started = Date.now();
  const [one, two] = [await connectTcp(port), await connectTcp(port)];
  t.after(() => [one, two].forEach((c) => c.destroy()));
  const three = await connectTcp(port);
  await three.closed;
  assert.ok(Date.now() - started < 500, 'the third connection was closed at once, not for idling');

  one.write(frame(buildQuery(61, 'example.com', 'A')));
  const [failed] = await one.read(1);
  assert.deepEqual([failed?.id, failed?.rcode], [61, 2], 'SERVFAIL after the relay timeout');
  await Promise.all([one.closed, two.closed]);
  assert.ok(Date.now() - started >= 500, 'closed for idling, not before');
});

test('without a resolver, a relayed question gets SERVFAIL rather than silence', async (t) => {
  const { port } = await startRed(t, null);
  assert.equal((await ask(port, 'example.com', 'A', 1)).rcode, 2);
  const conn = await connectTcp(port);
  t.after(() => conn.destroy());
  conn.write(frame(buildQuery(2, 'example.com', 'A')));
  assert.equal((await conn.read(1))[0]?.rcode, 2);
});

test('binding an address the host does not have fails (the agent tries again later)', async () => {
  await assert.rejects(
    startInternalDns({
      host: '192.0.2.55',
      port: 0,
      names: () => ({ gateway: '192.0.2.55', apps: new Set() }),
      resolvers: () => [],
    }),
    (err: NodeJS.ErrnoException) => err.code === 'EADDRNOTAVAIL',
  );
});
