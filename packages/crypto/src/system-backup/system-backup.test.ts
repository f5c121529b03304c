import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { isBerthError } from '@berth/protocol';
import { openSystemBackup, sealSystemBackup, type SealOptions } from './seal.js';
import { packSystemBackup, unpackSystemBackup } from './pack.js';

// Low scrypt cost so the suite stays fast; the format records it and open() reads it back.
const FAST: SealOptions = { scrypt: { N: 2 ** 10, r: 8, p: 1 }, chunkBytes: 64 };
const PASS = 'correct horse battery staple';

const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    if (isBerthError(err)) return `${err.code}: ${err.message}`;
    throw err;
  }
  return 'opened';
};

/** Offsets of the chunks' [length][body] frames. */
function frames(sealed: Buffer): { at: number; end: number }[] {
  let at = 8 + 4 + sealed.readUInt32BE(8);
  const out: { at: number; end: number }[] = [];
  while (at < sealed.length) {
    const end = at + 4 + sealed.readUInt32BE(at);
    out.push({ at, end });
    at = end;
  }
  return out;
}

describe('system backup sealing', () => {
  const plain = randomBytes(300);

  test('opens under the passphrase it was sealed with, with the default cost too', () => {
    assert.deepEqual(openSystemBackup(sealSystemBackup(plain, PASS, FAST), PASS), plain);
    const small = Buffer.from('state');
    assert.deepEqual(openSystemBackup(sealSystemBackup(small, PASS), PASS), small);
  });

  test('a passphrase shorter than 12 characters is refused', () => {
    assert.match(
      code(() => sealSystemBackup(plain, 'short', FAST)),
      /^VALIDATION_FAILED: .*12 characters/,
    );
  });

  test('a wrong passphrase is a clear error', () => {
    const sealed = sealSystemBackup(plain, PASS, FAST);
    assert.match(
      code(() => openSystemBackup(sealed, `${PASS}!`)),
      /^VALIDATION_FAILED: The passphrase is wrong/,
    );
  });

  test('a truncated file is refused, at a chunk boundary too', () => {
    const sealed = sealSystemBackup(plain, PASS, FAST);
    const f = frames(sealed);
    assert.ok(f.length >= 4);
    assert.match(
      code(() => openSystemBackup(sealed.subarray(0, sealed.length - 5), PASS)),
      /^BACKUP_INTEGRITY_FAILED/,
    );
    const atBoundary = sealed.subarray(0, f[2]?.end);
    assert.match(
      code(() => openSystemBackup(atBoundary, PASS)),
      /^BACKUP_INTEGRITY_FAILED: .*chunk 2/,
    );
    assert.match(
      code(() => openSystemBackup(sealed.subarray(0, 20), PASS)),
      /^BACKUP_INTEGRITY_FAILED/,
    );
  });

  test('swapped chunks, a flipped bit and bytes appended are refused', () => {
    const sealed = sealSystemBackup(plain, PASS, FAST);
    const [a, b] = frames(sealed);
    assert.ok(a && b && a.end - a.at === b.end - b.at);
    const swapped = Buffer.concat([
      sealed.subarray(0, a.at),
      sealed.subarray(b.at, b.end),
      sealed.subarray(a.at, a.end),
      sealed.subarray(b.end),
    ]);
    assert.match(
      code(() => openSystemBackup(swapped, PASS)),
      /^BACKUP_INTEGRITY_FAILED: .*chunk 0/,
    );
    const flipped = Buffer.from(sealed);
    flipped[sealed.length - 20] = (flipped[sealed.length - 20] ?? 0) ^ 1;
    assert.match(
      code(() => openSystemBackup(flipped, PASS)),
      /^BACKUP_INTEGRITY_FAILED/,
    );
    const appended = Buffer.concat([sealed, Buffer.from([0, 0, 0, 16]), randomBytes(16)]);
    assert.match(
      code(() => openSystemBackup(appended, PASS)),
      /^BACKUP_INTEGRITY_FAILED/,
    );
  });

  test('a chunk from another backup under the same passphrase does not open', () => {
    const one = sealSystemBackup(plain, PASS, FAST);
    const two = sealSystemBackup(plain, PASS, FAST);
    const [a] = frames(one);
    const [b] = frames(two);
    assert.ok(a && b);
    const mixed = Buffer.concat([one.subarray(0, a.at), two.subarray(b.at, b.end), one.subarray(a.end)]);
    assert.match(
      code(() => openSystemBackup(mixed, PASS)),
      /^BACKUP_INTEGRITY_FAILED/,
    );
  });

  test('a header asking for an absurd scrypt cost is refused before any work', () => {
    const sealed = sealSystemBackup(plain, PASS, FAST);
    const text = sealed.toString('latin1').replace('"N":1024', '"N":1048576000');
    assert.match(
      code(() => openSystemBackup(Buffer.from(text, 'latin1'), PASS)),
      /^BACKUP_INTEGRITY_FAILED: .*header/,
    );
  });
});

describe('system backup packing', () => {
  const meta = { createdAt: 1, berthVersion: '0.1.0', masterKeyFromEnvironment: false };

  test('round-trips files with their modes', () => {
    const files = [
      { path: 'berth.db', mode: 0o600, data: randomBytes(100) },
      { path: 'registry/login.key', mode: 0o600, data: randomBytes(32) },
      { path: 'ca.crt', mode: 0o644, data: Buffer.from('cert') },
    ];
    const { manifest, files: back } = unpackSystemBackup(packSystemBackup(meta, files));
    assert.deepEqual(back, files);
    assert.deepEqual(
      manifest.files.map((f) => f.path),
      ['berth.db', 'registry/login.key', 'ca.crt'],
    );
  });

  test('paths that leave the data dir are refused, when packing and when unpacking', () => {
    for (const path of ['../etc/passwd', '/etc/passwd', 'a/../../b', '.ssh/x', 'a//b', '']) {
      assert.throws(
        () => packSystemBackup(meta, [{ path, mode: 0o600, data: Buffer.alloc(1) }]),
        /not a data dir path/,
      );
      const packed = packSystemBackup(meta, [{ path: 'placeholder', mode: 0o600, data: Buffer.alloc(1) }]);
      const json = packed
        .subarray(4, 4 + packed.readUInt32BE(0))
        .toString()
        .replace('placeholder', path);
      const body = Buffer.from(json);
      const length = Buffer.alloc(4);
      length.writeUInt32BE(body.length);
      const crafted = Buffer.concat([length, body, Buffer.alloc(1)]);
      assert.match(
        code(() => unpackSystemBackup(crafted)),
        /^BACKUP_INTEGRITY_FAILED/,
        path,
      );
    }
  });

  test('a changed file is refused by its sha256', () => {
    const packed = packSystemBackup(meta, [{ path: 'berth.db', mode: 0o600, data: Buffer.from('abc') }]);
    packed[packed.length - 1] = 0x78;
    assert.match(
      code(() => unpackSystemBackup(packed)),
      /sha256/,
    );
  });
});
