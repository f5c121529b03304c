/**
 * The upstream DNS service's answers as a DNS library reads them, field by field: header flags,
 * the echoed question, records, TTLs, EDNS. The service writes with dns-packet too, so these
 * pin what we ask the library to write; an implementation independent of both (Go's resolver,
 * inside Caddy) reads them in caddy/caddy-proxy.int.test.ts. And queries dns-packet encodes
 * with a client's choices (mixed case, a large EDNS size) are understood.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import dnsPacket, { type Answer, type DecodedPacket } from 'dns-packet';
import fc from 'fast-check';
import type { DnsAnswer } from './answer.js';
import { buildQuery, respondTo, type DnsLookup, type Framing } from './dns-message.js';

const SET = 'web.apps.berth.internal';
const packet: Framing = { kind: 'packet', rotation: 0 };

function decode(bytes: Buffer | null): DecodedPacket {
  assert.ok(bytes, 'expected an answer');
  return dnsPacket.decode(bytes);
}

/** The response code as dns-packet read the header (its typings leave out its own `rcode`). */
const rcode = (p: DecodedPacket): string =>
  ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN'][(p.flags ?? 0) & 0xf] ?? 'OTHER';

const srvOf = (answers: readonly Answer[] | undefined) =>
  (answers ?? []).map((a) => {
    if (a.type !== 'SRV') assert.fail(`expected SRV records, got ${a.type}`);
    return { name: a.name, ttl: a.ttl, class: a.class, ...a.data };
  });

const fixed: DnsLookup = (name, type) => {
  if (name === SET && type === 'SRV') {
    return {
      srv: [
        { target: 'berth-web-1.replicas.berth.internal', port: 41001 },
        { target: 'berth-web-2.replicas.berth.internal', port: 41002 },
      ],
    };
  }
  if (name === 'berth-web-1.replicas.berth.internal' && type === 'A') return { a: ['10.88.0.7'] };
  return name.endsWith('.berth.internal') ? {} : null;
};

test('an SRV answer reads the same with dns-packet: header flags, question, records, TTL 0', () => {
  const r = decode(respondTo(buildQuery(0x1234, SET, 'SRV'), fixed, packet));
  assert.equal(r.id, 0x1234);
  assert.equal(r.type, 'response');
  assert.equal(r.flag_aa, true, 'authoritative');
  assert.equal(r.flag_tc, false);
  assert.equal(r.flag_rd, true, 'recursion desired is echoed');
  assert.equal(rcode(r), 'NOERROR');
  assert.deepEqual(r.questions, [{ name: SET, type: 'SRV', class: 'IN' }]);
  // Equal priority and weight: the proxy balances over the set itself.
  const common = { name: SET, ttl: 0, class: 'IN', priority: 1, weight: 1 };
  assert.deepEqual(srvOf(r.answers), [
    { ...common, port: 41001, target: 'berth-web-1.replicas.berth.internal' },
    { ...common, port: 41002, target: 'berth-web-2.replicas.berth.internal' },
  ]);
  assert.deepEqual(r.additionals, []);
});

test('an A answer, an empty answer and NXDOMAIN read the same with dns-packet', () => {
  const a = decode(respondTo(buildQuery(2, 'berth-web-1.replicas.berth.internal', 'A'), fixed, packet));
  assert.equal(a.answers?.length, 1);
  const record = a.answers?.[0];
  if (record?.type !== 'A') assert.fail(`expected an A record, got ${record?.type}`);
  assert.deepEqual(
    { name: record.name, ttl: record.ttl, ip: record.data },
    { name: 'berth-web-1.replicas.berth.internal', ttl: 0, ip: '10.88.0.7' },
  );
  const aaaa = decode(respondTo(buildQuery(3, 'berth-web-1.replicas.berth.internal', 'AAAA'), fixed, packet));
  assert.deepEqual([rcode(aaaa), aaaa.answers], ['NOERROR', []]);
  const nx = decode(respondTo(buildQuery(4, 'nope.example', 'SRV'), fixed, packet));
  assert.deepEqual([rcode(nx), nx.answers, nx.flag_aa], ['NXDOMAIN', [], true]);
});

test('queries encoded by dns-packet are understood, EDNS included', () => {
  const query = dnsPacket.encode({
    type: 'query',
    id: 4242,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type: 'SRV', name: 'WEB.apps.Berth.internal', class: 'IN' }],
    additionals: [
      {
        type: 'OPT',
        name: '.',
        udpPayloadSize: 4096,
        extendedRcode: 0,
        ednsVersion: 0,
        flags: 0,
        flag_do: false,
        options: [],
      },
    ],
  });
  const r = decode(respondTo(query, fixed, packet));
  assert.equal(r.id, 4242);
  assert.equal(rcode(r), 'NOERROR');
  assert.equal(srvOf(r.answers).length, 2, 'names are matched case-insensitively');
  const opt = r.additionals?.find((x): x is dnsPacket.OptAnswer => x.type === 'OPT');
  assert.ok(opt, 'an EDNS query gets an OPT record back');
  assert.equal(opt.udpPayloadSize, 1232);
  assert.equal(opt.name, '.');
});

test('a large set: whole over a stream; over packets a subset that dns-packet reads, within 1232 bytes', () => {
  const many: DnsLookup = () => ({
    srv: Array.from({ length: 40 }, (_, i) => ({
      target: `berth-web-${i}.replicas.berth.internal`,
      port: 40000 + i,
    })),
  });
  const q = buildQuery(6, SET, 'SRV', true);
  const whole = decode(respondTo(q, many, { kind: 'stream' }));
  assert.equal(whole.flag_tc, false);
  assert.deepEqual(
    srvOf(whole.answers).map((s) => s.port),
    Array.from({ length: 40 }, (_, i) => 40000 + i),
  );
  const bytes = respondTo(q, many, { kind: 'packet', rotation: 5 });
  assert.ok(bytes && bytes.length <= 1232, `${bytes?.length} bytes`);
  const subset = srvOf(decode(bytes).answers);
  assert.ok(subset.length > 10 && subset.length < 40);
  assert.equal(subset[0]?.port, 40005, 'the subset starts at the rotation');
});

const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/);
const hostname = fc
  .array(label, { minLength: 1, maxLength: 4 })
  .map((ls) => `${ls.join('.')}.berth.internal`);
const upstreams = fc.array(fc.record({ target: hostname, port: fc.integer({ min: 1, max: 65535 }) }), {
  maxLength: 30,
});

test('any upstream set over a stream reads back exactly, in order, with dns-packet', () => {
  fc.assert(
    fc.property(upstreams, fc.integer({ min: 0, max: 0xffff }), (srv, id) => {
      const lookup: DnsLookup = (): DnsAnswer => ({ srv });
      const r = decode(respondTo(buildQuery(id, SET, 'SRV'), lookup, { kind: 'stream' }));
      assert.equal(r.id, id);
      assert.deepEqual(
        srvOf(r.answers).map((s) => ({ target: s.target, port: s.port })),
        srv.map((u) => ({ target: u.target, port: u.port })),
      );
    }),
  );
});
