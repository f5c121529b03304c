import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BerthError } from '@berth/protocol';
import { createSecretBox } from './aead.js';
import { loadKeyring, rotateKeyring } from './keyring.js';
import type { Keyring } from './keyring.js';

const envKeyring = (): Promise<Keyring> =>
  loadKeyring({ file: '/nonexistent', envKey: randomBytes(32).toString('base64') });

const cannotDecrypt = (e: unknown): boolean => {
  assert.ok(e instanceof BerthError, `not a BerthError: ${String(e)}`);
  assert.equal(e.code, 'INTERNAL');
  assert.match(e.message, /cannot decrypt .*\(wrong master key or the value was altered\)/);
  return true;
};

test('seal/open round trip, a fresh nonce per value, and the key id recorded', async () => {
  const ring = await envKeyring();
  const box = createSecretBox(ring);
  for (const plaintext of ['', 'postgres://u:p@db/x', 'ünïcødé 🔑', 'x'.repeat(100_000)]) {
    const sealed = box.seal('app-secret', plaintext, 'app:a1:DATABASE_URL');
    assert.equal(sealed.keyId, ring.currentId);
    assert.equal(Buffer.from(sealed.value, 'base64').length, 12 + Buffer.byteLength(plaintext) + 16);
    assert.equal(box.open('app-secret', sealed, 'app:a1:DATABASE_URL'), plaintext);
  }
  const a = box.seal('app-secret', 'same', 'aad');
  const b = box.seal('app-secret', 'same', 'aad');
  assert.notEqual(a.value, b.value);
  assert.notEqual(a.value.slice(0, 16), b.value.slice(0, 16), 'different nonces');
});

test('another purpose or another aad does not open', async () => {
  const box = createSecretBox(await envKeyring());
  const sealed = box.seal('app-secret', 'hunter2', 'app:a1:KEY');
  assert.throws(() => box.open('registry-credential', sealed, 'app:a1:KEY'), cannotDecrypt);
  assert.throws(() => box.open('app-secret', sealed, 'app:a2:KEY'), cannotDecrypt);
  assert.throws(() => box.open('app-secret', sealed, 'app:a1:KEY2'), cannotDecrypt);
  assert.throws(() => box.open('app-secret', sealed, ''), cannotDecrypt);
});

test('a flipped bit anywhere in the value, or in its text, fails clearly', async () => {
  const box = createSecretBox(await envKeyring());
  const sealed = box.seal('app-secret', 'secret!', 'aad');
  const bytes = Buffer.from(sealed.value, 'base64');
  for (let bit = 0; bit < bytes.length * 8; bit++) {
    const flipped = Buffer.from(bytes);
    flipped[bit >> 3]! ^= 1 << (bit & 7);
    assert.throws(
      () => box.open('app-secret', { ...sealed, value: flipped.toString('base64') }, 'aad'),
      cannotDecrypt,
    );
  }
  // Flips in the base64 text itself, including the last character's unused low bits, which a
  // lenient decoder would ignore.
  for (let i = 0; i < sealed.value.length; i++) {
    for (let bit = 0; bit < 7; bit++) {
      const c = String.fromCharCode(sealed.value.charCodeAt(i) ^ (1 << bit));
      const value = sealed.value.slice(0, i) + c + sealed.value.slice(i + 1);
      assert.throws(() => box.open('app-secret', { ...sealed, value }, 'aad'), BerthError);
    }
  }
  for (const value of ['', 'AAAA', sealed.value.slice(0, -4), `${sealed.value}AAAA`, ` ${sealed.value}`]) {
    assert.throws(() => box.open('app-secret', { ...sealed, value }, 'aad'), cannotDecrypt);
  }
});

test('a rotated keyring opens old values under their old id and seals new ones under the new id', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-crypto-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'master.json');
  const before = await loadKeyring({ file, create: true });
  const old = createSecretBox(before).seal('app-secret', 'v1', 'app:a:K');
  const { newId } = await rotateKeyring(file);
  const after = createSecretBox(await loadKeyring({ file }));
  assert.equal(old.keyId, before.currentId);
  assert.equal(after.open('app-secret', old, 'app:a:K'), 'v1');
  const resealed = after.seal('app-secret', 'v1', 'app:a:K');
  assert.equal(resealed.keyId, newId);
  assert.notEqual(resealed.keyId, old.keyId);
  assert.equal(after.open('app-secret', resealed, 'app:a:K'), 'v1');
  // A value claiming the wrong key id fails the tag check rather than decrypting to garbage.
  assert.throws(() => after.open('app-secret', { ...old, keyId: newId }, 'app:a:K'), cannotDecrypt);
});

test('another master key: an unknown key id is named, a forged id fails the tag check', async () => {
  const a = await envKeyring();
  const b = await envKeyring();
  const sealed = createSecretBox(a).seal('app-secret', 'x', 'aad');
  assert.throws(
    () => createSecretBox(b).open('app-secret', sealed, 'aad'),
    (e: unknown) => {
      assert.ok(e instanceof BerthError && e.code === 'INTERNAL');
      assert.match(
        e.message,
        new RegExp(`sealed with master key ${a.currentId}, which is missing from the keyring`),
      );
      return true;
    },
  );
  assert.throws(
    () => createSecretBox(b).open('app-secret', { ...sealed, keyId: b.currentId }, 'aad'),
    cannotDecrypt,
  );
});
