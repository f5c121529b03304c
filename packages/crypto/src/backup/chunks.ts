/**
 * One chunk of a backup: AES-256-GCM under the backup's data key (the STREAM construction of
 * Hoang, Reyhanitabar, Rogaway and Vizár, as age and Tink's streaming AEAD use it).
 *
 * - nonce = 4 zero bytes ‖ chunk index (u64 BE): unique per chunk, and the data key is fresh per
 *   backup, so no (key, nonce) pair ever repeats;
 * - aad = sha256(header) ‖ chunk index (u64 BE) ‖ final flag (1 byte): a chunk moved to another
 *   place, another backup (another header), or read as the last one when it was not (a
 *   truncation) fails its tag.
 *
 * A sealed chunk is its ciphertext (as long as its plaintext) followed by the 16-byte tag.
 */
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';

export const TAG_BYTES = 16;

export const headerDigest = (header: Buffer): Buffer => createHash('sha256').update(header).digest();

function nonceOf(index: number): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeBigUInt64BE(BigInt(index), 4);
  return nonce;
}

function aadOf(digest: Buffer, index: number, final: boolean): Buffer {
  const aad = Buffer.alloc(digest.length + 9);
  digest.copy(aad, 0);
  aad.writeBigUInt64BE(BigInt(index), digest.length);
  aad.writeUInt8(final ? 1 : 0, digest.length + 8);
  return aad;
}

export function sealChunk(
  key: Buffer,
  digest: Buffer,
  index: number,
  final: boolean,
  plaintext: Buffer,
): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, nonceOf(index), { authTagLength: TAG_BYTES });
  cipher.setAAD(aadOf(digest, index, final));
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/** The plaintext of a sealed chunk, or null when its tag does not verify: never partial bytes. */
export function openChunk(
  key: Buffer,
  digest: Buffer,
  index: number,
  final: boolean,
  sealed: Buffer,
): Buffer | null {
  if (sealed.length < TAG_BYTES) return null;
  const decipher = createDecipheriv('aes-256-gcm', key, nonceOf(index), { authTagLength: TAG_BYTES });
  decipher.setAAD(aadOf(digest, index, final));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  try {
    // update() hands out bytes before final() has checked the tag: keep them until it has.
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    return null;
  }
}
