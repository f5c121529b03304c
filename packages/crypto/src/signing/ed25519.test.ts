import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BerthError } from '@berth/protocol';
import {
  decodeEd25519PublicKey,
  ed25519SignerFromSeed,
  encodeEd25519PublicKey,
  generateEd25519KeyPair,
  loadEd25519Signer,
  verifyEd25519,
  ed25519Verifier,
} from './ed25519.js';
import { generateSealingKeyPair } from '../sealing.js';

/** RFC 8032 §7.1, TEST 1: the empty message. */
const RFC8032_TEST1 = {
  secretKey: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
  publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
  signature:
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
};

const hexToBase64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');

test('RFC 8032 test vector 1: the seed gives its public key and signature, which verifies', () => {
  const signer = ed25519SignerFromSeed(Buffer.from(RFC8032_TEST1.secretKey, 'hex'));
  assert.equal(decodeEd25519PublicKey(signer.publicKey)?.toString('hex'), RFC8032_TEST1.publicKey);
  assert.equal(signer.sign(new Uint8Array(0)), hexToBase64(RFC8032_TEST1.signature));
  assert.equal(signer.sign(''), hexToBase64(RFC8032_TEST1.signature), 'a string is its UTF-8 bytes');
  const publicKey = encodeEd25519PublicKey(Buffer.from(RFC8032_TEST1.publicKey, 'hex'));
  assert.equal(publicKey, signer.publicKey);
  assert.equal(verifyEd25519(publicKey, '', hexToBase64(RFC8032_TEST1.signature)), true);
  assert.equal(verifyEd25519(publicKey, 'x', hexToBase64(RFC8032_TEST1.signature)), false);
});

test('a generated key pair round-trips through its stored forms', () => {
  const pair = generateEd25519KeyPair();
  assert.match(pair.privateKeyPem, /^-----BEGIN PRIVATE KEY-----\n/);
  // The stored and wire form of a public key: SPKI DER (44 bytes), base64.
  assert.match(pair.publicKey, /^MCowBQYDK2VwAyEA[A-Za-z0-9+/]{43}=$/);
  const signer = loadEd25519Signer(pair.privateKeyPem);
  assert.equal(signer.publicKey, pair.publicKey);
  const signature = signer.sign('berth-agent-hello:v1:nonce');
  assert.equal(Buffer.from(signature, 'base64').length, 64);
  assert.equal(verifyEd25519(pair.publicKey, 'berth-agent-hello:v1:nonce', signature), true);
  assert.equal(
    verifyEd25519(pair.publicKey, Buffer.from('berth-agent-hello:v1:nonce'), signature),
    true,
    'bytes and their UTF-8 string are the same message',
  );
  const raw = decodeEd25519PublicKey(pair.publicKey);
  assert.ok(raw);
  assert.equal(encodeEd25519PublicKey(raw), pair.publicKey);
});

test('a wrong key or a tampered message or signature does not verify', () => {
  const signer = loadEd25519Signer(generateEd25519KeyPair().privateKeyPem);
  const other = generateEd25519KeyPair().publicKey;
  const signature = signer.sign('message');
  assert.equal(verifyEd25519(other, 'message', signature), false, 'wrong key');
  assert.equal(verifyEd25519(signer.publicKey, 'messagE', signature), false, 'tampered message');
  const flipped = Buffer.from(signature, 'base64');
  flipped[10] = (flipped[10] ?? 0) ^ 1;
  assert.equal(verifyEd25519(signer.publicKey, 'message', flipped.toString('base64')), false);
});

test('malformed keys and signatures are false, never a throw', () => {
  const signer = loadEd25519Signer(generateEd25519KeyPair().privateKeyPem);
  const signature = signer.sign('m');
  const badKeys = [
    '',
    'AAAA',
    'not base64!',
    signer.publicKey.slice(0, -1),
    `${signer.publicKey}AAAA`,
    signer.publicKey.replace(/=$/, ''),
    generateSealingKeyPair().publicKey, // an X25519 key, same length, other algorithm
    encodeEd25519PublicKey(Buffer.alloc(32, 0xff)), // not a point on the curve
  ];
  for (const key of badKeys) assert.equal(verifyEd25519(key, 'm', signature), false, key);
  const badSignatures = [
    '',
    'AAAA',
    'not base64!',
    signature.slice(1),
    `${signature}AA==`,
    Buffer.alloc(64).toString('base64'),
  ];
  for (const sig of badSignatures) assert.equal(verifyEd25519(signer.publicKey, 'm', sig), false, sig);
  assert.equal(decodeEd25519PublicKey(generateSealingKeyPair().publicKey), null);
});

test('a stored key that is not an Ed25519 private key is a BerthError that does not quote it', () => {
  const sealing = generateSealingKeyPair().privateKeyPem;
  for (const pem of ['', 'garbage', sealing]) {
    assert.throws(
      () => loadEd25519Signer(pem),
      (e: unknown) =>
        e instanceof BerthError && e.code === 'INTERNAL' && !e.message.includes('PRIVATE KEY-----'),
    );
  }
  assert.throws(() => ed25519SignerFromSeed(Buffer.alloc(31)), RangeError);
});

test('a verifier of one key agrees with verifyEd25519, its bad keys and signatures included', () => {
  const signer = loadEd25519Signer(generateEd25519KeyPair().privateKeyPem);
  const other = loadEd25519Signer(generateEd25519KeyPair().privateKeyPem);
  const check = ed25519Verifier(signer.publicKey);
  assert.equal(check('message', signer.sign('message')), true);
  assert.equal(check('messagE', signer.sign('message')), false, 'tampered message');
  assert.equal(check('message', other.sign('message')), false, 'another key');
  for (const sig of ['', 'not base64!', Buffer.alloc(64).toString('base64')])
    assert.equal(check('message', sig), false, sig);
  for (const key of [
    '',
    'AAAA',
    encodeEd25519PublicKey(Buffer.alloc(32, 0xff)),
    generateSealingKeyPair().publicKey,
  ])
    assert.equal(ed25519Verifier(key)('m', signer.sign('m')), false, key);
});
