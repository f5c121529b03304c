import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { BerthError } from '@berth/protocol';
import { createSecretBox } from '../aead.js';
import { loadKeyring } from '../keyring.js';
import { generateSealingKeyPair } from '../sealing.js';
import { decryptBackup } from './decrypt.js';
import { encryptBackup } from './encrypt.js';
import { DEFAULT_CHUNK_BYTES } from './header.js';
import { backupRecipientKeyId, createBackupKey, openBackupKey, unwrapDataKey } from './key-wrap.js';
import { TAG_BYTES } from './chunks.js';
import {
  berthd,
  collect,
  decrypt,
  encrypt,
  layout,
  openWith,
  sha256,
  SMALL_CHUNK,
} from './test-support/backup-bytes.js';

const SIZES = [0, 1, SMALL_CHUNK - 1, SMALL_CHUNK, SMALL_CHUNK + 1, 2 * SMALL_CHUNK, 37 * SMALL_CHUNK + 5];

test('round trip for empty, 1 byte, around one chunk and many chunks, whatever the piece sizes', async () => {
  for (const size of SIZES) {
    const plaintext = randomBytes(size);
    for (const pieces of [[1], [7, 3000, 1], [65_536]]) {
      const made = await encrypt(plaintext, { pieces });
      const chunkCount = Math.max(1, Math.ceil(size / SMALL_CHUNK));
      assert.equal(layout(made.object).chunks.length, chunkCount, `${size} bytes: chunks`);
      assert.equal(made.bytes, made.object.length);
      assert.equal(made.sha256, sha256(made.object), 'sha256 is of the object as stored');
      const back = await decrypt(made.object, { pieces: [5, 1, 4096], expectedSha256: made.sha256 });
      assert.equal(back.error, undefined);
      assert.ok(back.yielded.equals(plaintext), `${size} bytes in ${pieces.join('/')} pieces`);
    }
  }
});

test('a few MB of random data at the default 1 MiB chunk, through Node streams', async () => {
  const plaintext = randomBytes(3 * DEFAULT_CHUNK_BYTES + 12_345);
  const { stream, done } = encryptBackup(
    Readable.from([plaintext.subarray(0, 100), plaintext.subarray(100)]),
    {
      recipientPublicKey: berthd.publicKey,
      backupId: 'bak_big',
      compression: 'gzip',
    },
  );
  const object = await collect(stream);
  const result = await done;
  assert.equal(object.length, result.bytes);
  const headerBytes = layout(object, DEFAULT_CHUNK_BYTES).headerBytes;
  assert.equal(
    object.length,
    headerBytes + plaintext.length + 4 * TAG_BYTES,
    '4 chunks, 16 bytes of tag each',
  );
  const { header, stream: plain } = await decryptBackup(Readable.from(object), {
    backupId: 'bak_big',
    open: openWith(berthd.privateKeyPem, 'bak_big'),
    expectedSha256: result.sha256,
  });
  assert.equal(header.compression, 'gzip');
  assert.equal(header.chunkBytes, DEFAULT_CHUNK_BYTES);
  assert.equal(header.recipientKeyId, backupRecipientKeyId(berthd.publicKey));
  assert.equal(header.wrappedKey, result.wrappedKey, 'the wrapped key travels in the header too');
  assert.ok((await collect(plain)).equals(plaintext));
});

test('each backup has its own data key: the same plaintext never encrypts the same way', async () => {
  const plaintext = randomBytes(3000);
  const a = await encrypt(plaintext);
  const b = await encrypt(plaintext);
  assert.notEqual(a.wrappedKey, b.wrappedKey);
  const [ha, hb] = [layout(a.object).headerBytes, layout(b.object).headerBytes];
  assert.ok(!a.object.subarray(ha, ha + 64).equals(b.object.subarray(hb, hb + 64)));
  const keyA = unwrapDataKey(berthd.privateKeyPem, 'bak_1', a.wrappedKey);
  const keyB = unwrapDataKey(berthd.privateKeyPem, 'bak_1', b.wrappedKey);
  assert.equal(keyA.length, 32);
  assert.ok(!keyA.equals(keyB));
});

test('an agent holding only the public key cannot open what it made; another backup key cannot either', async () => {
  const made = await encrypt(randomBytes(2000));
  const other = generateSealingKeyPair();
  const result = await decrypt(made.object, { privateKeyPem: other.privateKeyPem });
  assert.ok(result.error instanceof BerthError);
  assert.equal(result.error.code, 'BACKUP_INTEGRITY_FAILED');
  assert.match(result.error.message, /does not open with this backup key/);
  assert.equal(result.yielded.length, 0);
});

test('the source failing fails the stream and done with its own error; a stream dropped early settles done', async () => {
  function* failing(): Generator<Buffer> {
    yield randomBytes(5000);
    throw new BerthError('BACKUP_COMPRESSION_FAILED', 'zstd exited with 1: broken pipe');
  }
  const broken = encryptBackup(Readable.from(failing()), {
    recipientPublicKey: berthd.publicKey,
    backupId: 'bak_x',
    compression: 'zstd',
    chunkBytes: SMALL_CHUNK,
  });
  await assert.rejects(collect(broken.stream), /zstd exited with 1/);
  await assert.rejects(broken.done, /zstd exited with 1/);

  const dropped = encryptBackup(Readable.from([randomBytes(10_000)]), {
    recipientPublicKey: berthd.publicKey,
    backupId: 'bak_y',
    compression: 'zstd',
    chunkBytes: SMALL_CHUNK,
  });
  dropped.stream.destroy();
  await assert.rejects(dropped.done, /was not read to its end/);
});

test('options are checked before anything is made', () => {
  const base = { recipientPublicKey: berthd.publicKey, backupId: 'bak_1', compression: 'zstd' as const };
  const source = Readable.from([]);
  for (const backupId of ['', '../x', 'a b', 'x'.repeat(129), 'a;rm -rf /', '.hidden']) {
    assert.throws(() => encryptBackup(source, { ...base, backupId }), { code: 'VALIDATION_FAILED' });
  }
  for (const chunkBytes of [0, 1023, 16 * 1024 * 1024 + 1, 1.5]) {
    assert.throws(() => encryptBackup(source, { ...base, chunkBytes }), { code: 'VALIDATION_FAILED' });
  }
  assert.throws(() => encryptBackup(source, { ...base, recipientPublicKey: 'not a key' }), {
    code: 'VALIDATION_FAILED',
  });
});

test("berthd's backup key is stored sealed under the master key and opens back", async () => {
  const keyring = await loadKeyring({ file: '/nonexistent', envKey: randomBytes(32).toString('base64') });
  const box = createSecretBox(keyring);
  const stored = createBackupKey(box);
  assert.equal(stored.recipientKeyId, backupRecipientKeyId(stored.publicKey));
  assert.doesNotMatch(JSON.stringify(stored), /PRIVATE KEY/);
  const pem = openBackupKey(box, stored);
  const made = await encrypt(randomBytes(100), { publicKey: stored.publicKey });
  const back = await decrypt(made.object, { privateKeyPem: pem });
  assert.equal(back.error, undefined);
  assert.throws(() => openBackupKey(box, { ...stored, recipientKeyId: '0000000000000000' }), BerthError);
});

test('property: any size, any piece sizes, any chunk size round-trips exactly', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: 20_000 }),
      fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 4 }),
      fc.integer({ min: 1024, max: 4096 }),
      async (size, pieces, chunkBytes) => {
        const plaintext = randomBytes(size);
        const made = await encrypt(plaintext, { pieces, chunkBytes });
        const back = await decrypt(made.object, {
          pieces: [...pieces].reverse(),
          expectedSha256: made.sha256,
        });
        return back.error === undefined && back.yielded.equals(plaintext);
      },
    ),
    { numRuns: 60 },
  );
});
