import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BerthError } from '@berth/protocol';
import { generateSealingKeyPair, openSealed, parseSealingPublicKey, sealFor } from './sealing.js';

const agent = generateSealingKeyPair();
const other = generateSealingKeyPair();

const cannotOpen = (e: unknown): boolean => {
  assert.ok(e instanceof BerthError, `not a BerthError: ${String(e)}`);
  assert.match(e.message, /^cannot open a sealed value/);
  return true;
};

test('round trip, in the documented format, with a fresh ephemeral key per call', () => {
  for (const plaintext of ['', 's3cret', 'ünïcødé 🔑', 'x'.repeat(50_000)]) {
    const sealed = sealFor(agent.publicKey, plaintext, 'release:r1:KEY');
    assert.match(sealed, /^x25519v1\.[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    assert.equal(openSealed(agent.privateKeyPem, sealed, 'release:r1:KEY'), plaintext);
  }
  const a = sealFor(agent.publicKey, 'same', 'aad').split('.');
  const b = sealFor(agent.publicKey, 'same', 'aad').split('.');
  assert.notEqual(a[1], b[1], 'ephemeral keys differ');
  assert.notEqual(a[3], b[3]);
  assert.match(agent.privateKeyPem, /^-----BEGIN PRIVATE KEY-----/);
  assert.equal(parseSealingPublicKey(agent.publicKey), agent.publicKey);
});

test('a wrong recipient, a wrong aad or a tampered box does not open', () => {
  const sealed = sealFor(agent.publicKey, 'secret', 'aad');
  assert.throws(() => openSealed(other.privateKeyPem, sealed, 'aad'), cannotOpen);
  assert.throws(() => openSealed(agent.privateKeyPem, sealed, 'aad2'), cannotOpen);
  const [v, pub, nonce, body] = sealed.split('.') as [string, string, string, string];
  const flip = (part: string, i: number): string => {
    const bytes = Buffer.from(part, 'base64url');
    bytes[i % bytes.length]! ^= 0x01;
    return bytes.toString('base64url');
  };
  for (let i = 0; i < 32; i++) {
    assert.throws(
      () => openSealed(agent.privateKeyPem, [v, flip(pub, i), nonce, body].join('.'), 'aad'),
      cannotOpen,
    );
  }
  for (let i = 0; i < 12; i++) {
    assert.throws(
      () => openSealed(agent.privateKeyPem, [v, pub, flip(nonce, i), body].join('.'), 'aad'),
      cannotOpen,
    );
  }
  for (let i = 0; i < Buffer.from(body, 'base64url').length; i++) {
    assert.throws(
      () => openSealed(agent.privateKeyPem, [v, pub, nonce, flip(body, i)].join('.'), 'aad'),
      cannotOpen,
    );
  }
  // A box re-targeted with another agent's ephemeral part is still refused.
  const [, otherPub] = sealFor(other.publicKey, 'secret', 'aad').split('.');
  assert.throws(
    () => openSealed(agent.privateKeyPem, [v, otherPub, nonce, body].join('.'), 'aad'),
    cannotOpen,
  );
});

test('malformed boxes and keys are clear BerthErrors', () => {
  const sealed = sealFor(agent.publicKey, 'secret', 'aad');
  const [, pub, nonce, body] = sealed.split('.') as [string, string, string, string];
  const cases: [string, RegExp][] = [
    ['', /4/],
    ['x25519v1', /1 parts/],
    [`x25519v2.${pub}.${nonce}.${body}`, /unknown version/],
    [`x25519v1.${pub}.${nonce}.${body}.x`, /5 parts/],
    [`x25519v1.${pub.slice(1)}.${nonce}.${body}`, /ephemeral key/],
    [`x25519v1.${pub}.${nonce}=.${body}`, /nonce/],
    [`x25519v1.${pub}.${nonce}.`, /ciphertext/],
    [`x25519v1.${pub}.${nonce}.${body.slice(0, 20)}`, /ciphertext/],
    [`x25519v1.${'A'.repeat(43)}.${nonce}.${body}`, /altered/],
  ];
  for (const [input, pattern] of cases) {
    assert.throws(
      () => openSealed(agent.privateKeyPem, input, 'aad'),
      (e: unknown) => cannotOpen(e) && pattern.test((e as Error).message),
    );
  }
  assert.throws(() => openSealed('not a pem', sealed, 'aad'), /not an X25519 private key/);
  assert.throws(
    () => sealFor('AAAA', 'x', 'aad'),
    (e: unknown) => e instanceof BerthError && e.code === 'VALIDATION_FAILED',
  );
  assert.throws(() => parseSealingPublicKey(42), /publicKey is not an X25519 public key/);
  const ed25519Spki = 'MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=';
  assert.throws(() => parseSealingPublicKey(ed25519Spki), BerthError);
});

test('fuzz: openSealed throws nothing but BerthError, whatever it is given', () => {
  const sealed = sealFor(agent.publicKey, 'secret', 'aad');
  const parts = sealed.split('.');
  const b64urlChar = fc.constantFrom(
    ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \n'.split(''),
  );
  const mutated = fc
    .tuple(fc.nat({ max: sealed.length }), fc.nat({ max: 8 }), fc.array(b64urlChar, { maxLength: 8 }))
    .map(([at, cut, insert]) => sealed.slice(0, at) + insert.join('') + sealed.slice(at + cut));
  const shuffled = fc
    .array(fc.constantFrom(...parts, '', 'AAAA', 'x25519v1'), { maxLength: 6 })
    .map((p) => p.join('.'));
  // 'grapheme' rather than 'binary': fast-check takes ~1.5 s just to build the latter.
  const input = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), mutated, shuffled);
  fc.assert(
    fc.property(input, fc.string({ maxLength: 8 }), (s, aad) => {
      try {
        const out = openSealed(agent.privateKeyPem, s, aad);
        // Only the untouched box with its own aad may open.
        return s === sealed && aad === 'aad' && out === 'secret';
      } catch (e) {
        return e instanceof BerthError;
      }
    }),
    { numRuns: 2_000 },
  );
});
