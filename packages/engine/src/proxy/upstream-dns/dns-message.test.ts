import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { DnsAnswer } from './answer.js';
import { RCODE, buildQuery, parseDnsQuery, respondTo } from './dns-message.js';
import type { DnsLookup, Framing } from './dns-message.js';
import { parseDnsResponse } from './dns-response.js';

/** A name in wire form, written by hand: these tests build messages no encoder would. */
const encodeName = (name: string): Buffer =>
  Buffer.concat([
    ...name
      .split('.')
      .map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label, 'latin1')])),
    Buffer.from([0]),
  ]);

const lookup: DnsLookup = (name, type) => {
  if (name === 'web.apps.berth.internal') {
    return type === 'SRV'
      ? {
          srv: [
            { target: 'berth-web-1.replicas.berth.internal', port: 41001 },
            { target: 'berth-web-2.replicas.berth.internal', port: 41002 },
          ],
        }
      : {};
  }
  if (name === 'berth-web-1.replicas.berth.internal') return type === 'A' ? { a: ['127.0.0.1'] } : {};
  return null;
};

const packet: Framing = { kind: 'packet', rotation: 0 };

const answer = (msg: Buffer) => {
  const out = respondTo(msg, lookup, packet);
  assert.ok(out, 'expected an answer');
  const parsed = parseDnsResponse(out);
  assert.ok(parsed, 'expected a well-formed response');
  return parsed;
};

test('SRV question gets both targets as hostnames with TTL 0, authoritative', () => {
  const r = answer(buildQuery(0x1234, 'web.apps.berth.internal', 'SRV'));
  assert.equal(r.id, 0x1234);
  assert.equal(r.rcode, RCODE.NOERROR);
  assert.equal(r.authoritative, true);
  assert.equal(r.name, 'web.apps.berth.internal');
  assert.deepEqual(r.srv, [
    { target: 'berth-web-1.replicas.berth.internal', port: 41001, ttl: 0 },
    { target: 'berth-web-2.replicas.berth.internal', port: 41002, ttl: 0 },
  ]);
  assert.equal(r.hasOpt, false);
});

test('names are case-insensitive and a trailing dot does not matter', () => {
  const r = answer(buildQuery(1, 'WEB.Apps.Berth.Internal.', 'SRV'));
  assert.equal(r.srv.length, 2);
});

test('A question gets the replica address; other types get NOERROR without data', () => {
  assert.deepEqual(answer(buildQuery(2, 'berth-web-1.replicas.berth.internal', 'A')).a, [
    { ip: '127.0.0.1', ttl: 0 },
  ]);
  const aaaa = answer(buildQuery(3, 'berth-web-1.replicas.berth.internal', 'AAAA'));
  assert.equal(aaaa.rcode, RCODE.NOERROR);
  assert.deepEqual([aaaa.a, aaaa.srv], [[], []]);
});

test('unknown names are NXDOMAIN', () => {
  const r = answer(buildQuery(4, 'nope.apps.berth.internal', 'SRV'));
  assert.equal(r.rcode, RCODE.NXDOMAIN);
  assert.equal(r.srv.length, 0);
});

test('an EDNS query is answered with a minimal OPT record', () => {
  const q = buildQuery(5, 'web.apps.berth.internal', 'SRV', true);
  const parsed = parseDnsQuery(q);
  assert.equal(parsed.kind, 'query');
  assert.equal(parsed.kind === 'query' && parsed.query.ednsPayload, 1232);
  const r = answer(q);
  assert.equal(r.hasOpt, true);
  assert.equal(r.srv.length, 2);
});

test('an oversized SRV set over a stream is whole; over packets a rotating subset fits', () => {
  const many: DnsLookup = () => ({
    srv: Array.from({ length: 40 }, (_, i) => ({
      target: `berth-web-${i}.replicas.berth.internal`,
      port: 40000 + i,
    })),
  });
  const q = buildQuery(6, 'web.apps.berth.internal', 'SRV', true);
  const streamed = parseDnsResponse(respondTo(q, many, { kind: 'stream' })!);
  assert.ok(streamed && !streamed.truncated && streamed.srv.length === 40);

  const seen = new Set<number>();
  for (let rotation = 0; rotation < 40; rotation++) {
    const out = respondTo(q, many, { kind: 'packet', rotation })!;
    assert.ok(out.length <= 1232, `${out.length} bytes`);
    const r = parseDnsResponse(out);
    assert.ok(r && !r.truncated && r.srv.length > 10 && r.srv.length < 40);
    r.srv.forEach((s) => seen.add(s.port));
  }
  assert.equal(seen.size, 40, 'every upstream is offered by some answer');

  const classic = respondTo(buildQuery(6, 'web.apps.berth.internal', 'SRV'), many, packet)!;
  assert.ok(classic.length <= 512);
});

test('a set that fits is answered whole and in order, whatever the rotation', () => {
  const q = buildQuery(1, 'web.apps.berth.internal', 'SRV');
  const r = parseDnsResponse(respondTo(q, lookup, { kind: 'packet', rotation: 7 })!);
  assert.deepEqual(
    r?.srv.map((s) => s.port),
    [41001, 41002],
  );
});

test('a lookup that throws or returns an unencodable answer gives SERVFAIL, not a crash', () => {
  const throwing: DnsLookup = () => {
    throw new Error('boom');
  };
  const bad: DnsLookup = (): DnsAnswer => ({ srv: [{ target: `${'x'.repeat(70)}.example`, port: 1 }] });
  const badPort: DnsLookup = (): DnsAnswer => ({ srv: [{ target: 'a.example', port: 70000 }] });
  for (const l of [throwing, bad, badPort]) {
    const r = parseDnsResponse(respondTo(buildQuery(7, 'web.apps.berth.internal', 'SRV'), l, packet)!);
    assert.equal(r?.rcode, RCODE.SERVFAIL);
  }
});

test('non-IPv4 addresses are not put in A records', () => {
  const v6: DnsLookup = () => ({ a: ['::1', '999.1.1.1', '10.0.0.1'] });
  const r = parseDnsResponse(respondTo(buildQuery(8, 'x', 'A'), v6, packet)!);
  assert.deepEqual(r?.a, [{ ip: '10.0.0.1', ttl: 0 }]);
});

const header = (id: number, flags: number, qd: number, an = 0, ns = 0, ar = 0): Buffer => {
  const h = Buffer.alloc(12);
  [id, flags, qd, an, ns, ar].forEach((v, i) => h.writeUInt16BE(v, i * 2));
  return h;
};
const tail = Buffer.from([0, 33, 0, 1]);

test('malformed queries with a readable header get FORMERR', () => {
  const cases: [string, Buffer][] = [
    ['no question', header(9, 0x0100, 0)],
    ['two questions', Buffer.concat([header(9, 0, 2), encodeName('a'), tail, encodeName('b'), tail])],
    ['truncated name', Buffer.concat([header(9, 0, 1), Buffer.from([5, 0x61, 0x62])])],
    ['missing type', Buffer.concat([header(9, 0, 1), encodeName('web')])],
    ['pointer to itself', Buffer.concat([header(9, 0, 1), Buffer.from([0xc0, 12]), tail])],
    [
      'pointer forwards',
      Buffer.concat([header(9, 0, 1), Buffer.from([0xc0, 20]), tail, Buffer.from([1, 0x61, 0])]),
    ],
    ['reserved label type', Buffer.concat([header(9, 0, 1), Buffer.from([0x41, 0x61, 0]), tail])],
    [
      'name over 255 bytes',
      Buffer.concat([
        header(9, 0, 1),
        ...Array.from({ length: 5 }, () => Buffer.from([63, ...Buffer.alloc(63, 0x61)])),
        Buffer.from([0]),
        tail,
      ]),
    ],
    [
      'too many labels',
      Buffer.concat([
        header(9, 0, 1),
        ...Array.from({ length: 130 }, () => Buffer.from([1, 0x61])),
        Buffer.from([0]),
        tail,
      ]),
    ],
    [
      'additional record cut short',
      Buffer.concat([header(9, 0, 1, 0, 0, 1), encodeName('web'), tail, Buffer.from([0, 0, 41])]),
    ],
    [
      'rdlength past the end',
      Buffer.concat([
        header(9, 0, 1, 0, 0, 1),
        encodeName('web'),
        tail,
        Buffer.from([0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 50]),
      ]),
    ],
    [
      'absurd record counts',
      Buffer.concat([header(9, 0, 1, 0xffff, 0xffff, 0xffff), encodeName('web'), tail]),
    ],
  ];
  for (const [what, msg] of cases) {
    const out = respondTo(msg, lookup, packet);
    assert.ok(out, what);
    const r = parseDnsResponse(out);
    assert.equal(r?.id, 9, what);
    assert.equal(r?.rcode, RCODE.FORMERR, what);
  }
});

test('a compression loop through two pointers is rejected', () => {
  // Offset 12 points to 14, which points back to 12: only backward pointers are allowed.
  const msg = Buffer.concat([header(10, 0, 1), Buffer.from([0xc0, 14, 0xc0, 12]), tail]);
  assert.deepEqual(parseDnsQuery(msg), { kind: 'reject', id: 10, opcode: 0, rcode: RCODE.FORMERR });
});

test('a backward pointer in the additional section is followed', () => {
  const q = Buffer.concat([
    header(11, 0, 1, 0, 0, 1),
    encodeName('web'),
    tail,
    Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 1, 2, 3, 4]),
  ]);
  assert.equal(parseDnsQuery(q).kind, 'query');
});

test('short messages and responses are ignored; other opcodes get NOTIMP', () => {
  assert.equal(respondTo(Buffer.alloc(0), lookup, packet), null);
  assert.equal(respondTo(Buffer.from([1, 2, 3]), lookup, packet), null);
  assert.equal(
    respondTo(Buffer.concat([header(12, 0x8000, 1), encodeName('web'), tail]), lookup, packet),
    null,
  );
  const notify = parseDnsResponse(
    respondTo(Buffer.concat([header(13, 4 << 11, 1), encodeName('web'), tail]), lookup, packet)!,
  );
  assert.equal(notify?.rcode, RCODE.NOTIMP);
});

test('odd bytes in a name never match a real name', () => {
  const ask = (name: Buffer): number | undefined =>
    parseDnsResponse(respondTo(Buffer.concat([header(14, 0, 1), name, tail]), lookup, packet)!)?.rcode;
  // One label that holds dots reads like the set's name in presentation form: it must not match.
  assert.equal(ask(Buffer.from([23, ...Buffer.from('web.apps.berth.internal'), 0])), RCODE.FORMERR);
  assert.equal(ask(Buffer.from([3, 0x77, 0xff, 0x62, 0])), RCODE.FORMERR, 'not UTF-8');
  assert.equal(ask(encodeName('w b.apps.berth.internal')), RCODE.NXDOMAIN);
  assert.equal(ask(encodeName('WEB.apps.berth.internal')), RCODE.NOERROR, 'case does not matter');
});

test('the question is echoed as asked, case included', () => {
  const r = answer(buildQuery(17, 'Web.Apps.Berth.Internal', 'SRV'));
  assert.equal(r.name, 'web.apps.berth.internal');
  const raw = respondTo(buildQuery(17, 'Web.Apps.Berth.Internal', 'SRV'), lookup, packet)!;
  assert.ok(raw.includes(Buffer.from('\x03Web\x04Apps\x05Berth\x08Internal\x00', 'latin1')));
});

test('class other than IN or ANY is refused', () => {
  const q = Buffer.concat([
    header(15, 0, 1),
    encodeName('web.apps.berth.internal'),
    Buffer.from([0, 33, 0, 3]),
  ]);
  assert.equal(parseDnsResponse(respondTo(q, lookup, packet)!)?.rcode, RCODE.REFUSED);
  // A class dns-packet has no name for cannot be echoed: FORMERR, and still no answer.
  const mdns = Buffer.concat([
    header(15, 0, 1),
    encodeName('web.apps.berth.internal'),
    Buffer.from([0, 33, 0x80, 1]),
  ]);
  assert.equal(parseDnsResponse(respondTo(mdns, lookup, packet)!)?.rcode, RCODE.FORMERR);
});

test('random bytes never throw, and any answer is a well-formed response', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 700 }), fc.boolean(), (bytes, asQuery) => {
      const msg = Buffer.from(bytes);
      // Clearing QR and setting qdcount=1 steers many inputs past the header into the parser.
      if (asQuery && msg.length >= 12) {
        msg[2] = (msg[2] ?? 0) & 0x07;
        msg.writeUInt16BE(1, 4);
      }
      const out = respondTo(msg, lookup, packet);
      if (out !== null) assert.ok(parseDnsResponse(out));
      parseDnsResponse(msg);
    }),
    { numRuns: 20_000 },
  );
});

test('mutations of a valid query never throw', () => {
  const base = buildQuery(16, 'web.apps.berth.internal', 'SRV', true);
  for (let i = 0; i < 20_000; i++) {
    const msg = Buffer.from(base);
    for (let j = 0; j < 1 + (i % 4); j++) msg[(i * 7 + j * 13) % msg.length] = (i * 31 + j) & 0xff;
    const cut = msg.subarray(0, msg.length - (i % 5));
    respondTo(cut, lookup, packet);
  }
});
