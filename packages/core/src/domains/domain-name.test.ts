import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WILDCARD_CUSTOM_DOMAIN_PATTERN } from '@berth/protocol';
import { parseDomainName, type DomainNameOptions } from './domain-name.js';

/** Custom domain names: what is accepted, as what, and what is refused with which reason. */

const single = { wildcard: false };
const wild = { wildcard: true };

test('accepted names come out canonical: lower case, no trailing dot, IDNA to ASCII', () => {
  const cases: Array<[input: string, name: string, unicode: string]> = [
    ['example.com', 'example.com', 'example.com'],
    ['  Example.COM.  ', 'example.com', 'example.com'],
    ['www.example.co.uk', 'www.example.co.uk', 'www.example.co.uk'],
    ['a-b.c0.example', 'a-b.c0.example', 'a-b.c0.example'],
    ['1.2.3.example', '1.2.3.example', '1.2.3.example'],
    ['web.example.test', 'web.example.test', 'web.example.test'],
    ['bücher.example', 'xn--bcher-kva.example', 'bücher.example'],
    ['BÜCHER.example', 'xn--bcher-kva.example', 'bücher.example'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example', 'bücher.example'],
    ['XN--BCHER-KVA.EXAMPLE', 'xn--bcher-kva.example', 'bücher.example'],
    // e + combining acute (NFD) is the same name as é (NFC).
    ['caf\u0065\u0301.example', 'xn--caf-dma.example', 'café.example'],
    ['ｅｘａｍｐｌｅ。ｃｏｍ', 'example.com', 'example.com'],
    ['пример.рф', 'xn--e1afmkfd.xn--p1ai', 'пример.рф'],
    ['例え.テスト', 'xn--r8jz45g.xn--zckzah', '例え.テスト'],
    ['ドメイン名例.jp', 'xn--eckwd4c7cu47r2wf.jp', 'ドメイン名例.jp'],
    ['mañana.com', 'xn--maana-pta.com', 'mañana.com'],
    ['straße.de', 'xn--strae-oqa.de', 'straße.de'],
    ['παράδειγμα.ελ', 'xn--hxajbheg2az3al.xn--qxam', 'παράδειγμα.ελ'],
    [`${'a'.repeat(63)}.com`, `${'a'.repeat(63)}.com`, `${'a'.repeat(63)}.com`],
  ];
  for (const [input, name, unicode] of cases) {
    assert.deepEqual(parseDomainName(input, single), { ok: true, name, unicode }, JSON.stringify(input));
  }
  const longest = [61, 63, 63, 63].map((n, i) => String.fromCharCode(97 + i).repeat(n)).join('.');
  assert.equal(longest.length, 253);
  assert.deepEqual(parseDomainName(longest, single), { ok: true, name: longest, unicode: longest });
});

test('a wildcard is "*" as the whole leftmost label, and only where allowed', () => {
  assert.deepEqual(parseDomainName('*.Example.com', wild), {
    ok: true,
    name: '*.example.com',
    unicode: '*.example.com',
  });
  assert.deepEqual(parseDomainName('*.bücher.example', wild), {
    ok: true,
    name: '*.xn--bcher-kva.example',
    unicode: '*.bücher.example',
  });
  const refused: Array<[string, DomainNameOptions, RegExp]> = [
    ['*.example.com', single, /wildcard, which is not allowed here/],
    ['*.*.example.com', wild, /not the leftmost label/],
    ['foo.*.com', wild, /not the leftmost label/],
    ['example.*', wild, /not the leftmost label/],
    ['*foo.example.com', wild, /inside a label/],
    ['f*o.example.com', wild, /inside a label/],
    ['**.example.com', wild, /inside a label/],
    ['*.com', wild, /over a top-level domain/],
    ['*', wild, /at least two labels/],
  ];
  for (const [input, options, reason] of refused) expectRefused(input, reason, options);
});

/** Everything that could break out of a proxy config, a header, a log line or a shell. */
const HOSTILE: Array<[input: string, reason: RegExp]> = [
  ['a.com; }', /contains ";"/],
  ['a.com;}', /contains ";"/],
  ['a.com }', /contains U\+0020 \(a space\)/],
  ['example.com"', /contains '"'/],
  ['"example.com"', /contains '"'/],
  ["ex'ample.com", /contains "'"/],
  ['a.com\nb.com', /U\+000A, an invisible or control character/],
  ['a.com\n', /U\+000A/],
  ['\na.com', /U\+000A/],
  ['a.com\r\nHost: evil', /U\+000D/],
  ['a.com\r', /U\+000D/],
  ['a{b}.com', /contains "\{"/],
  ['a.com{', /contains "\{"/],
  ['}a.com', /contains "\}"/],
  ['$host.com', /contains "\$"/],
  ['a.com$1', /contains "\$"/],
  ['${jndi:ldap}.com', /contains "\$"/],
  ['exa mple.com', /U\+0020 \(a space\)/],
  ['a.com\texample', /U\+0009/],
  ['\texample.com', /U\+0009/],
  ['a\u0000.com', /U\+0000/],
  ['a.com\u0000', /U\+0000/],
  ['a\u007f.com', /U\+007F/],
  ['a\u0085.com', /U\+0085/],
  ['a\\b.com', /contains "\\"/],
  ['a/b.com', /without "https:\/\/", a port or a path/],
  ['https://example.com', /without "https:\/\/"/],
  ['example.com:443', /a port/],
  ['a`id`.com', /contains "`"/],
  ['a|b.com', /contains "\|"/],
  ['a&b.com', /contains "&"/],
  ['a<b>.com', /contains "<"/],
  ['a#b.com', /contains "#"/],
  ['a@b.com', /contains "@"/],
  ['a_b.com', /contains "_"/],
  ['a,b.com', /contains ","/],
  ['a%0a.com', /contains "%"/],
  ['a(b).com', /contains "\("/],
  ['a+b.com', /contains "\+"/],
  ['a=b.com', /contains "="/],
  ['a?.com', /contains "\?"/],
  ['a!.com', /contains "!"/],
  ['a~.com', /contains "~"/],
  ['a[b].com', /contains "\["/],
  ['a^b.com', /contains "\^"/],
  // Invisible and direction-changing characters.
  ['exa\u200bmple.com', /U\+200B/],
  ['exa\u200dmple.com', /U\+200D/],
  ['exa\u200cmple.com', /U\+200C/],
  ['\ufeffexample.com', /U\+FEFF/],
  ['exa\u00admple.com', /U\+00AD/],
  ['example\u202e.com', /U\+202E/],
  ['\u2066example.com', /U\+2066/],
  ['a\u2028b.com', /U\+2028/],
  ['a\u2029b.com', /U\+2029/],
  ['a\ud800.com', /U\+D800/],
  // Symbols, emoji, punctuation outside ASCII.
  ['😀.com', /label 1 contains U\+1F600/],
  ['xn--ls8h.com', /stands for a label that contains U\+1F4A9/],
  ['a；b.com', /contains ";"/],
  ['a\u30fbb.com', /contains U\+30FB/],
  ['l\u00b7l.com', /contains U\+00B7/],
  ['a\u2665.com', /contains U\+2665/],
  ['٣.com', /the digit U\+0663/],
  // Lengths.
  [`${'a'.repeat(64)}.com`, /64 characters long: at most 63/],
  [`${'a'.repeat(300)}.com`, /300 characters long: at most 63/],
  [`${'ü'.repeat(60)}.com`, /once encoded as "xn--…": at most 63/],
  [['a'.repeat(63), 'b'.repeat(63), 'c'.repeat(63), 'd'.repeat(61), 'e'].join('.'), /at most 253/],
  [`${'a.'.repeat(126)}ab`, /254 characters long once encoded: at most 253/],
  ['a.'.repeat(600) + 'com', /characters long: a domain name has at most 253/],
  // Shape.
  ['', /is empty/],
  ['   ', /is empty/],
  ['a..com', /empty label/],
  ['example.com..', /empty label/],
  ['.example.com', /starts with a dot/],
  ['..example.com', /starts with a dot/],
  ['.', /starts with a dot/],
  ['com', /at least two labels/],
  ['com.', /at least two labels/],
  ['-a.com', /starts or ends with a hyphen/],
  ['a-.com', /starts or ends with a hyphen/],
  ['example.-com', /starts or ends with a hyphen/],
  ['ab--cd.com', /"--" in the third and fourth places/],
  // xn-- junk.
  ['xn--.com', /starts or ends with a hyphen/],
  ['xn--a.com', /not valid Punycode|stands for/],
  ['xn--zz.com', /not valid Punycode/],
  ['xn--abc.com', /stands for a label that contains U\+0082/],
  ['xn--abc-.com', /starts or ends with a hyphen/],
  ['xn--example-.com', /starts or ends with a hyphen/],
  ['xn--bcher-kva9.example', /not valid Punycode|stands for|canonical/],
  // NFD "café": a name that maps to another (NFC) one is not its own canonical encoding.
  ['xn--cafe-yvc.com', /not the canonical encoding/],
  ['xn--yz-sxu.com', /stands for a label that contains U\+2179/],
  ['xn--n3h.com', /stands for a label that contains U\+2603/],
  ['xn--80ak6aa92e.com', /stands for a label that is written in Cyrillic letters that all look like Latin/],
  // Look-alikes: mixed scripts, and Cyrillic or Greek that reads as Latin.
  ['exаmple.com', /mixes Latin \(U\+0065\) and Cyrillic \(U\+0430\) letters/],
  ['pаypal.com', /mixes Latin .* and Cyrillic/],
  ['gοοgle.com', /mixes Latin .* and Greek \(U\+03BF\)/],
  ['аpple.com', /mixes Cyrillic .* and Latin/],
  ['examplе.com', /mixes Latin .* and Cyrillic \(U\+0435\)/],
  ['рау.com', /Cyrillic letters that all look like Latin ones \(it reads as "pay"\)/],
  ['асе.com', /reads as "ace"/],
  ['ορτ.com', /Greek letters that all look like Latin ones/],
  ['shop.ехаmрlе.com', /mixes/],
  ['привет-world.com', /mixes Cyrillic .* and Latin/],
  ['ᏚᎢᎵᎬᎢᎬᏒ.com', /a script Berth does not accept/],
  ['\u0301abc.com', /starts with a combining mark/],
  // IP addresses, v4 and v6.
  ['127.0.0.1', /IP addresses are not domain names/],
  ['10.0.0.1.', /IP addresses are not domain names/],
  ['192.168.1.256', /IP addresses are not domain names/],
  ['example.123', /IP addresses are not domain names/],
  ['::1', /IPv6 address/],
  ['[::1]', /IPv6 address/],
  ['fe80::1', /IPv6 address/],
  ['2001:db8::1', /IPv6 address/],
  ['::ffff:127.0.0.1', /IPv6 address/],
  ['[2001:db8::1]:443', /contains "\["/],
  // Names Berth keeps, and special-use names.
  ['localhost', /is "localhost", which Berth keeps for itself/],
  ['localhost.', /Berth keeps for itself/],
  ['LOCALHOST', /Berth keeps for itself/],
  ['web.localhost', /ends in ".localhost", which Berth keeps/],
  ['db.internal', /ends in ".internal", which Berth keeps/],
  ['printer.local', /multicast DNS/],
  ['x.invalid', /never to resolve/],
  ['abc.onion', /onion services/],
  ['router.home.arpa', /reverse DNS/],
  ['1.0.0.127.in-addr.arpa', /reverse DNS/],
  ['x.alt', /outside DNS/],
];

test('hostile and malformed names are refused, each with a reason a person can act on', () => {
  for (const [input, reason] of HOSTILE) expectRefused(input, reason, single);
});

test('a wildcard does not let anything else through', () => {
  for (const [input, reason] of HOSTILE) {
    expectRefused(input, reason, wild);
    if (!/at least two labels|is empty|starts with a dot/.test(reason.source))
      expectRefused(`*.${input}`, /./, wild);
  }
  expectRefused('*.localhost', /Berth keeps for itself/, wild);
  expectRefused('*.web.localhost', /Berth keeps for itself/, wild);
});

test('a reason never carries the raw control characters it complains about', () => {
  for (const [input] of HOSTILE) {
    const result = parseDomainName(input, single);
    assert.equal(result.ok, false);
    if (!result.ok) {
      assert.doesNotMatch(result.reason, /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u, JSON.stringify(input));
      assert.ok(result.reason.length < 400, `a short reason for ${JSON.stringify(input).slice(0, 40)}`);
    }
  }
});

test('accepted names match the canonical pattern the API schemas hold them to', () => {
  for (const input of ['example.com', 'bücher.example', '*.example.com', 'пример.рф', '例え.テスト']) {
    const result = parseDomainName(input, wild);
    assert.ok(result.ok, input);
    assert.match(result.name, WILDCARD_CUSTOM_DOMAIN_PATTERN);
  }
});

function expectRefused(input: string, reason: RegExp, options: DomainNameOptions): void {
  const result = parseDomainName(input, options);
  const shown = JSON.stringify(input).slice(0, 80);
  assert.equal(result.ok, false, `${shown} should be refused, got ${JSON.stringify(result)}`);
  if (!result.ok) assert.match(result.reason, reason, shown);
}

test('names in the domain Berth serves every app under are refused, wildcards over it too', () => {
  const options = { wildcard: true, servedUnder: ['apps.example.com'] };
  for (const input of [
    'apps.example.com',
    'web.apps.example.com',
    'a.b.apps.example.com',
    '*.apps.example.com',
  ]) {
    expectRefused(
      input,
      /is in "apps.example.com", where Berth already serves every app as <app>.apps.example.com/,
      options,
    );
  }
  expectRefused('*.example.com', /would cover "apps.example.com"/, options);
  for (const input of [
    'example.com',
    'www.example.com',
    'apps.example.net',
    'xapps.example.com',
    '*.www.example.com',
  ]) {
    assert.equal(parseDomainName(input, options).ok, true, input);
  }
});
