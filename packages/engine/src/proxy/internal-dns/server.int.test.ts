import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import { buildQuery } from '../upstream-dns/dns-message.js';
import { parseDnsResponse, type DnsResponse } from '../upstream-dns/dns-response.js';
import { startInternalDns } from './server.js';

/** A stand-in for the host's resolver: answers every A question with 192.0.2.7. */
async function fakeResolver(): Promise<{ port: number; asked: string[]; close(): void }> {
  const sock = dgram.createSocket('udp4');
  const asked: string[] = [];
  sock.on('message', (msg, rinfo) => {
    const q = dnsPacket.decode(msg);
    const question = q.questions?.[0];
    if (!question) return;
    asked.push(question.name);
    const answer = dnsPacket.encode({
      type: 'response',
      id: q.id ?? 0,
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
      questions: [question],
      answers: [{ type: 'A', name: question.name, ttl: 60, data: '192.0.2.7' }],
    });
    sock.send(answer, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  return { port: sock.address().port, asked, close: () => sock.close() };
}

async function ask(port: number, name: string, type: 'A' | 'AAAA', id: number): Promise<DnsResponse> {
  const sock = dgram.createSocket('udp4');
  try {
    const reply = new Promise<Buffer>((resolve) => sock.once('message', resolve));
    sock.send(buildQuery(id, name, type), port, '127.0.0.1');
    const parsed = parseDnsResponse(await reply);
    assert.ok(parsed);
    return parsed;
  } finally {
    sock.close();
  }
}

test('answers the team names, NXDOMAIN for other .internal names, relays the rest with the id restored', async (t) => {
  const resolver = await fakeResolver();
  t.after(() => resolver.close());
  const apps = new Set(['api']);
  const dns = await startInternalDns({
    host: '127.0.0.1',
    port: 0,
    names: () => ({ gateway: '10.89.0.1', apps }),
    resolvers: () => ['127.0.0.1'],
    resolverPort: resolver.port,
  });
  t.after(() => dns.close());
  const port = dns.address.port;

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
  assert.deepEqual(resolver.asked, ['example.com'], 'the team names never left the server');

  apps.add('shop');
  assert.equal((await ask(port, 'shop.internal', 'A', 9)).rcode, 0, 'names are read at each question');
});

test('without a resolver, a relayed question gets SERVFAIL rather than silence', async (t) => {
  const dns = await startInternalDns({
    host: '127.0.0.1',
    port: 0,
    names: () => ({ gateway: '10.89.0.1', apps: new Set() }),
    resolvers: () => [],
  });
  t.after(() => dns.close());
  assert.equal((await ask(dns.address.port, 'example.com', 'A', 1)).rcode, 2);
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
