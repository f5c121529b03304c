/**
 * The backup building blocks put together the way an agent and berthd will use them, against
 * real parts: zstd, s3rver on 127.0.0.1 (test/support/s3rver.ts) and a directory target.
 *
 *   agent:  source → compressStream (zstd) → encryptBackup (berthd's public key) → target.put
 *   verify: target.get → sha256 compared → decryptBackup (berthd opens the key) → decompressStream
 *
 * A stored object damaged on the target fails the check, and nothing of it is restored.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import {
  createBackupKey,
  createSecretBox,
  decryptBackup,
  encryptBackup,
  loadKeyring,
  openBackupKey,
  unwrapDataKey,
  type SecretBox,
  type StoredBackupKey,
} from '@berth/crypto';
import {
  compressStream,
  createDirectoryTarget,
  createS3Target,
  decompressStream,
  detectCompression,
  type BackupTarget,
  type Compression,
} from '@berth/engine';
import { BerthError } from '@berth/protocol';
import { startS3rver, type RunningS3 } from '../support/s3rver.js';

let s3: RunningS3;
let dir: string;
let box: SecretBox;
let backupKey: StoredBackupKey;
let compression: Compression;
const targets: BackupTarget[] = [];

before(async () => {
  s3 = await startS3rver();
  dir = await mkdtemp(join(tmpdir(), 'berth-backup-pipeline-'));
  box = createSecretBox(
    await loadKeyring({ file: '/nonexistent', envKey: randomBytes(32).toString('base64') }),
  );
  backupKey = createBackupKey(box);
  compression = await detectCompression();
  assert.equal(compression.kind, 'zstd', 'zstd is installed (scripts/install-system-deps.sh --test)');
});
after(async () => {
  for (const t of targets) t.close();
  await s3.stop();
  await rm(dir, { recursive: true, force: true });
});

const s3Target = (): BackupTarget => {
  const t = createS3Target({ ...s3, prefix: 'berth/', allowPrivate: true, partBytes: 5 * 1024 * 1024 });
  targets.push(t);
  return t;
};

/** A database dump stand-in: compressible text with some random bytes mixed in. */
function dump(bytes: number): Buffer {
  const line = (i: number): string => `INSERT INTO t VALUES (${i}, '${randomBytes(8).toString('hex')}');\n`;
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < bytes; i++) {
    const l = line(i);
    parts.push(l);
    length += l.length;
  }
  return Buffer.from(parts.join('')).subarray(0, bytes);
}

/** What the agent does: compress, encrypt for berthd, store; what it reports back. */
async function runBackup(target: BackupTarget, key: string, backupId: string, data: Buffer) {
  const encrypted = encryptBackup(compressStream(Readable.from([data]), compression), {
    recipientPublicKey: backupKey.publicKey,
    backupId,
    compression: compression.kind,
  });
  const stored = await target.put(key, encrypted.stream);
  const made = await encrypted.done;
  assert.equal(stored.sha256, made.sha256, 'the target saw exactly the encrypted object');
  assert.equal(stored.bytes, made.bytes);
  return made;
}

/** What verification does: read back, compare the hash, decrypt, decompress. */
async function restore(target: BackupTarget, key: string, backupId: string, sha256: string): Promise<Buffer> {
  const object = await target.get(key);
  const privateKeyPem = openBackupKey(box, backupKey);
  const { header, stream } = await decryptBackup(object, {
    backupId,
    expectedSha256: sha256,
    open: (wrappedKey, h) => {
      assert.equal(h.recipientKeyId, backupKey.recipientKeyId);
      return unwrapDataKey(privateKeyPem, backupId, wrappedKey);
    },
  });
  const plain = decompressStream(
    stream,
    header.compression,
    compression.kind === 'zstd' ? compression.file : null,
  );
  const parts: Buffer[] = [];
  for await (const part of plain) parts.push(Buffer.from(part as Uint8Array));
  return Buffer.concat(parts);
}

test('S3: a multi-part backup is stored encrypted, read back, verified and restored byte for byte', async () => {
  const target = s3Target();
  const data = Buffer.concat([dump(6 * 1024 * 1024), randomBytes(6 * 1024 * 1024)]);
  const made = await runBackup(target, 'db-main/bak_s3_1.berth', 'bak_s3_1', data);
  assert.ok(made.bytes > 5 * 1024 * 1024, 'more than one part');
  assert.ok(
    s3.requests.some((r) => /partNumber=2/.test(r)),
    'uploaded in parts',
  );
  const stored = Buffer.concat(await (await target.get('db-main/bak_s3_1.berth')).toArray());
  assert.equal(createHash('sha256').update(stored).digest('hex'), made.sha256);
  assert.equal(stored.indexOf(data.subarray(0, 64)), -1, 'no plaintext on the target');
  assert.ok((await restore(target, 'db-main/bak_s3_1.berth', 'bak_s3_1', made.sha256)).equals(data));
});

test('S3: an object damaged on the target fails verification with BACKUP_INTEGRITY_FAILED', async () => {
  const target = s3Target();
  const data = dump(3 * 1024 * 1024);
  const made = await runBackup(target, 'db-main/bak_s3_2.berth', 'bak_s3_2', data);
  // One byte in the middle of the stored object, changed behind Berth's back on s3rver's disk.
  const file = await open(
    join(s3.directory, s3.bucket, 'berth', 'db-main', 'bak_s3_2.berth._S3rver_object'),
    'r+',
  );
  try {
    const middle = Math.floor(made.bytes / 2);
    const byte = Buffer.alloc(1);
    await file.read(byte, 0, 1, middle);
    await file.write(Buffer.from([(byte[0] ?? 0) ^ 0x40]), 0, 1, middle);
  } finally {
    await file.close();
  }
  await assert.rejects(restore(target, 'db-main/bak_s3_2.berth', 'bak_s3_2', made.sha256), (e: unknown) => {
    assert.ok(e instanceof BerthError);
    assert.equal(e.code, 'BACKUP_INTEGRITY_FAILED', e.message);
    return true;
  });
});

test('directory: the same pipeline, and a backup restored under another id is refused', async () => {
  const target = await createDirectoryTarget({ root: dir });
  const data = dump(2 * 1024 * 1024 + 11);
  const made = await runBackup(target, 'volume-uploads/bak_dir_1.berth', 'bak_dir_1', data);
  assert.ok((await restore(target, 'volume-uploads/bak_dir_1.berth', 'bak_dir_1', made.sha256)).equals(data));
  await assert.rejects(restore(target, 'volume-uploads/bak_dir_1.berth', 'bak_dir_2', made.sha256), {
    code: 'BACKUP_INTEGRITY_FAILED',
  });
});
