import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { WildcardCustomDomainName } from '@berth/protocol';
import { parseDomainName, type DomainNameResult } from './domain-name.js';

/**
 * Whatever goes in, what comes out is safe to put anywhere: strict lower-case ASCII, canonical
 * (parsing it again gives it back, and so does parsing its Unicode form), and one of the names
 * the API's schema accepts.
 */

const STRICT_ASCII =
  /^(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]*[a-z][a-z0-9-]*$|^(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+xn--[a-z0-9-]+$/;

function assertCanonical(input: string, result: DomainNameResult): void {
  if (!result.ok) return;
  const shown = JSON.stringify(input);
  assert.match(result.name, STRICT_ASCII, shown);
  assert.ok(result.name.length <= 253, shown);
  assert.ok(WildcardCustomDomainName.safeParse(result.name).success, `schema refuses ${result.name}`);
  for (const again of [result.name, result.unicode]) {
    const reparsed = parseDomainName(again, { wildcard: true });
    assert.deepEqual(reparsed, { ok: true, name: result.name, unicode: result.unicode }, shown);
  }
}

/** Alphabets that make names interesting: ASCII, accented Latin, Cyrillic, Greek, Japanese. */
const ALPHABETS = ['abcxyzABCXYZ', 'abcüéßñÅ', 'прдаеожшщ', 'αβγοπλ', '例え日本テスト'];
const HOSTILE = [...';{}"\'$`\\/:@#%&|<>()[]=+?!~^, _\t\n\r\u0000\u007f\u200b\u200d\u202e\ufeff\u2028'];

/** Mostly one alphabet per label, as real names are; now and then a mix, which must be refused. */
const arbLabel = fc
  .oneof(
    { weight: 9, arbitrary: fc.constantFrom(...ALPHABETS) },
    { weight: 1, arbitrary: fc.constant(ALPHABETS.join('')) },
  )
  .chain((alphabet) => fc.array(fc.constantFrom(...alphabet, '0', '9', '-'), { minLength: 1, maxLength: 12 }))
  .map((chars) => chars.join(''));
const arbName = fc
  .tuple(
    fc.boolean(),
    fc.array(arbLabel, { minLength: 1, maxLength: 4 }),
    fc.constantFrom('com', 'example', 'de', 'рф', 'テスト', 'COM', 'xn--p1ai'),
    fc.constantFrom('', '.', ' ', '  '),
  )
  .map(([star, labels, top, end]) => `${star ? '*.' : ''}${labels.join('.')}.${top}${end}`);

test('any accepted name is strict canonical ASCII, and parsing it again gives the same name', () => {
  let accepted = 0;
  fc.assert(
    fc.property(arbName, fc.boolean(), (input, wildcard) => {
      const result = parseDomainName(input, { wildcard });
      if (result.ok) accepted++;
      if (!wildcard && input.startsWith('*.')) assert.equal(result.ok, false, input);
      assertCanonical(input, result);
    }),
    { numRuns: 2000 },
  );
  assert.ok(accepted > 200, `the generator reaches accepted names (${accepted} of 2000)`);
});

test('arbitrary strings never come out as anything but strict canonical ASCII', () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), fc.string({ maxLength: 300 })),
      (input) => {
        assertCanonical(input, parseDomainName(input, { wildcard: true }));
      },
    ),
    { numRuns: 3000 },
  );
});

test('one hostile character anywhere inside a name makes it refused', () => {
  fc.assert(
    fc.property(arbName, fc.constantFrom(...HOSTILE), fc.nat(), (name, bad, at) => {
      const trimmed = name.trim();
      const position = 1 + (at % Math.max(1, trimmed.length - 1));
      const input = trimmed.slice(0, position) + bad + trimmed.slice(position);
      assert.equal(parseDomainName(input, { wildcard: true }).ok, false, JSON.stringify(input));
    }),
    { numRuns: 2000 },
  );
});
