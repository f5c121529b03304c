/**
 * Strict base64 and base64url decoding.
 *
 * Guarantees: a string decodes only when it is the canonical encoding of its bytes, so every
 * distinct string maps to distinct bytes. Buffer.from(s, 'base64') alone is lenient (it skips
 * junk and ignores the unused low bits of the last character), which would let a tampered
 * ciphertext string decode to the untouched bytes and open as if nothing happened.
 */

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** The bytes of a canonical, padded base64 string, or null for anything else. */
export function decodeBase64Strict(s: string): Buffer | null {
  if (!BASE64.test(s)) return null;
  const bytes = Buffer.from(s, 'base64');
  return bytes.toString('base64') === s ? bytes : null;
}

/** The bytes of a canonical, unpadded base64url string, or null for anything else. */
export function decodeBase64UrlStrict(s: string): Buffer | null {
  if (!BASE64URL.test(s)) return null;
  const bytes = Buffer.from(s, 'base64url');
  return bytes.toString('base64url') === s ? bytes : null;
}
