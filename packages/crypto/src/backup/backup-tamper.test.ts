/**
 * Every way a stored backup object can be damaged or swapped is refused with
 * BACKUP_INTEGRITY_FAILED, and nothing from the damaged chunk on is ever yielded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import type { BerthError } from '@berth/protocol';
import {
  assertRefused,
  decrypt,
  encrypt,
  flipBit,
  layout,
  SMALL_CHUNK,
} from './test-support/backup-bytes.js';

const plaintext = randomBytes(5 * SMALL_CHUNK + 300);
const made = await encrypt(plaintext);
const { headerBytes, chunks } = layout(made.object);
const chunkAt = (i: number): Buffer => {
  const [from, to] = chunks[i] ?? [0, 0];
  return made.object.subarray(from, to);
};
const header = made.object.subarray(0, headerBytes);

test('the layout is as documented: header, then 6 chunks, the last one short', () => {
  assert.equal(header.subarray(0, 8).toString('ascii'), 'BERTHBAK');
  assert.equal(chunks.length, 6);
  assert.equal(chunkAt(5).length, 300 + 16);
});

test('a flipped bit anywhere in the header is refused before anything is yielded', async () => {
  for (let byte = 0; byte < headerBytes; byte++) {
    for (const bit of [0, 5]) {
      const result = await decrypt(flipBit(made.object, byte, bit));
      assertRefused(result, plaintext, 0);
      assert.equal(result.yielded.length, 0, `header byte ${byte} bit ${bit}`);
    }
  }
});

test('a flipped bit in any chunk, ciphertext or tag, is refused at that chunk', async () => {
  for (const [i, [from, to]] of chunks.entries()) {
    for (const byte of [from, from + 1, Math.floor((from + to) / 2), to - 17, to - 16, to - 1]) {
      assertRefused(await decrypt(flipBit(made.object, byte, byte % 8)), plaintext, i);
    }
  }
});

test('truncation anywhere is refused: at each chunk boundary, inside a chunk, inside the header', async () => {
  for (let i = 0; i < chunks.length; i++) {
    const [from, to] = chunks[i] ?? [0, 0];
    // Cut right after chunk i: the reader takes chunk i as the last, and it was not.
    if (i < chunks.length - 1) assertRefused(await decrypt(made.object.subarray(0, to)), plaintext, i);
    assertRefused(await decrypt(made.object.subarray(0, from + 20)), plaintext, i);
    assertRefused(await decrypt(made.object.subarray(0, to - 1)), plaintext, i);
  }
  for (const end of [0, 5, 11, headerBytes - 1, headerBytes, headerBytes + 15]) {
    assertRefused(await decrypt(made.object.subarray(0, end)), plaintext, 0);
  }
});

test('the final chunk dropped, chunks swapped, duplicated or a byte appended: refused', async () => {
  const rebuilt = (order: number[]): Buffer => Buffer.concat([header, ...order.map(chunkAt)]);
  assertRefused(await decrypt(rebuilt([0, 1, 2, 3, 4])), plaintext, 4);
  assertRefused(await decrypt(rebuilt([0, 2, 1, 3, 4, 5])), plaintext, 1);
  assertRefused(await decrypt(rebuilt([1, 0, 2, 3, 4, 5])), plaintext, 0);
  assertRefused(await decrypt(rebuilt([0, 1, 1, 2, 3, 4, 5])), plaintext, 2);
  assertRefused(await decrypt(rebuilt([0, 1, 2, 3, 4, 5, 5])), plaintext, 5);
  assertRefused(await decrypt(Buffer.concat([made.object, Buffer.from([0])])), plaintext, 5);
});

test('a chunk spliced in from another backup for the same berthd key (and even the same id) is refused', async () => {
  const other = await encrypt(randomBytes(plaintext.length));
  const otherChunks = layout(other.object).chunks;
  for (const i of [0, 2, 5]) {
    const [from, to] = otherChunks[i] ?? [0, 0];
    const spliced = Buffer.concat([
      made.object.subarray(0, chunks[i]?.[0]),
      other.object.subarray(from, to),
      made.object.subarray(chunks[i]?.[1]),
    ]);
    assertRefused(await decrypt(spliced), plaintext, i);
  }
  // Another backup's header in front of this one's chunks: its wrapped key opens, its chunks do not match.
  const otherHeader = other.object.subarray(0, layout(other.object).headerBytes);
  assertRefused(await decrypt(Buffer.concat([otherHeader, made.object.subarray(headerBytes)])), plaintext, 0);
});

test('a backup read as another backup id is refused, even with the id in its header rewritten', async () => {
  const wrongId = await decrypt(made.object, { backupId: 'bak_2' });
  assertRefused(wrongId, plaintext, 0);
  assert.match((wrongId.error as BerthError).message, /is backup bak_1, not backup bak_2/);
  // Same length id, rewritten in place: the wrapped key is bound to bak_1 and no longer opens.
  const at = made.object.indexOf('bak_1', 24, 'ascii');
  const renamed = Buffer.from(made.object);
  renamed.write('bak_2', at, 'ascii');
  const rewritten = await decrypt(renamed, { backupId: 'bak_2' });
  assertRefused(rewritten, plaintext, 0);
  assert.match((rewritten.error as BerthError).message, /does not open/);
});

test('an object replaced as a whole (made anew with the public key) is refused when its sha256 is checked', async () => {
  const forgedPlaintext = randomBytes(plaintext.length);
  const forged = await encrypt(forgedPlaintext);
  assert.equal((await decrypt(forged.object)).error, undefined, 'the format alone cannot tell');
  const result = await decrypt(forged.object, { expectedSha256: made.sha256 });
  // The hash is known only at the end: the chunks before the last are out already (so a restore
  // compares the hash of the object it read back first), the last one is held back.
  assertRefused(result, forgedPlaintext, 5);
  assert.match((result.error as BerthError).message, /not the object that was stored/);
});

test('property: a random byte changed, removed or inserted anywhere is refused', async () => {
  const small = randomBytes(3 * SMALL_CHUNK + 77);
  const object = (await encrypt(small)).object;
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: object.length - 1 }),
      fc.integer({ min: 1, max: 255 }),
      fc.constantFrom('xor', 'remove', 'insert'),
      async (at, value, how) => {
        const damaged =
          how === 'xor'
            ? Buffer.from(object).fill((object[at] ?? 0) ^ value, at, at + 1)
            : how === 'remove'
              ? Buffer.concat([object.subarray(0, at), object.subarray(at + 1)])
              : Buffer.concat([object.subarray(0, at), Buffer.from([value]), object.subarray(at)]);
        const result = await decrypt(damaged);
        const chunk = Math.max(0, Math.floor((at - layout(object).headerBytes) / (SMALL_CHUNK + 16)));
        assertRefused(result, small, chunk);
        return true;
      },
    ),
    { numRuns: 150 },
  );
});
