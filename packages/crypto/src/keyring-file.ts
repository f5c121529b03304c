/**
 * The master key file on disk: parsing, reading and atomic writing.
 *
 * Guarantees: a file is only used when it is well-formed, every key matches its id, and nobody
 * but the owner can read it (mode & 0o077 == 0). Writes are atomic and durable (temp file,
 * fsync, rename, fsync of the directory), so a crash leaves the old file or the new one, never
 * half of one. Errors name the file and the fix, and never contain key material: not even the
 * JSON parser's message, which quotes a snippet of the input.
 */
import { createHash, randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { createFileAtomic, writeFileAtomic } from '@berth/io';
import { BerthError } from '@berth/protocol';
import { decodeBase64Strict } from './encoding.js';

export interface KeyringFileKey {
  /** `mk_` + the first 12 hex digits of sha256(key): names a key without revealing it. */
  id: string;
  /** base64 of 32 random bytes. */
  key: string;
  createdAt: number;
  /** When the key stopped being current (it still opens values); null for the current key. */
  retiredAt: number | null;
}

export interface KeyringFile {
  version: 1;
  current: string;
  keys: KeyringFileKey[];
}

export const MASTER_KEY_BYTES = 32;
const KEY_ID = /^mk_[0-9a-f]{12}$/;

export const keyIdFor = (key: Buffer): string =>
  `mk_${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;

export function newKeyEntry(now: number): KeyringFileKey {
  const key = randomBytes(MASTER_KEY_BYTES);
  return { id: keyIdFor(key), key: key.toString('base64'), createdAt: now, retiredAt: null };
}

const restoreHint = (file: string): string =>
  `restore ${file} from your backup, or set BERTH_MASTER_KEY to the key this installation was created with`;

function malformed(file: string, what: string): BerthError {
  return new BerthError('INTERNAL', `the master key file ${file} is malformed: ${what}`, {
    hint: restoreHint(file),
  });
}

export function missingKeyringError(file: string): BerthError {
  return new BerthError(
    'INTERNAL',
    `the master key file ${file} is missing; restore it from your backup or set BERTH_MASTER_KEY`,
    { hint: restoreHint(file) },
  );
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function parseKeyEntry(file: string, v: unknown, i: number): KeyringFileKey {
  const at = `keys[${i}]`;
  if (!isRecord(v)) throw malformed(file, `${at} is not an object`);
  const { id, key, createdAt, retiredAt } = v;
  if (typeof id !== 'string' || !KEY_ID.test(id)) throw malformed(file, `${at}.id is not mk_<12 hex>`);
  const bytes = typeof key === 'string' ? decodeBase64Strict(key) : null;
  if (bytes === null || bytes.length !== MASTER_KEY_BYTES) {
    throw malformed(file, `${at}.key (${id}) is not base64 of ${MASTER_KEY_BYTES} bytes`);
  }
  // A key that does not hash to its id was edited or corrupted: using it would seal values that
  // the real key can never open.
  if (keyIdFor(bytes) !== id) throw malformed(file, `${at}.key does not match its id ${id}`);
  if (!isTime(createdAt)) throw malformed(file, `${at}.createdAt is not a time in ms`);
  if (retiredAt !== null && !isTime(retiredAt)) throw malformed(file, `${at}.retiredAt is not null or ms`);
  return { id, key: bytes.toString('base64'), createdAt, retiredAt };
}

/** Parses the file's text; `file` is only for the messages. */
export function parseKeyringFile(file: string, text: string): KeyringFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // Not the parser's message: it quotes the input, which may be key material.
    throw malformed(file, 'it is not valid JSON');
  }
  if (!isRecord(data)) throw malformed(file, 'it is not a JSON object');
  if (data.version !== 1) throw malformed(file, 'version is not 1');
  if (!Array.isArray(data.keys) || data.keys.length === 0)
    throw malformed(file, 'keys is not a list of keys');
  const keys = data.keys.map((k: unknown, i) => parseKeyEntry(file, k, i));
  const ids = new Set(keys.map((k) => k.id));
  if (ids.size !== keys.length) throw malformed(file, 'a key id appears twice');
  if (typeof data.current !== 'string' || !ids.has(data.current)) {
    throw malformed(file, 'current does not name one of its keys');
  }
  return { version: 1, current: data.current, keys };
}

/** The parsed file, or null when it does not exist. Refuses a file others can read. */
export async function readKeyringFile(file: string): Promise<KeyringFile | null> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return null;
    throw new BerthError('INTERNAL', `cannot read the master key file ${file}: ${errnoText(e)}`, {
      hint: `check that berthd's user owns ${file}`,
    });
  }
  try {
    // fstat of the opened file, not stat of the path: no window to swap the file in between.
    const st = await handle.stat();
    if (!st.isFile()) throw malformed(file, 'it is not a regular file');
    // Windows has no POSIX modes to check; everywhere else a readable key file is a leak.
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      const mode = (st.mode & 0o777).toString(8).padStart(3, '0');
      throw new BerthError(
        'INTERNAL',
        `the master key file ${file} has mode ${mode}: others than its owner can read it; run: chmod 600 ${file}`,
        { hint: `chmod 600 ${file}` },
      );
    }
    return parseKeyringFile(file, await handle.readFile('utf8'));
  } finally {
    await handle.close();
  }
}

export const serializeKeyringFile = (data: KeyringFile): string => `${JSON.stringify(data, null, 2)}\n`;

/**
 * Writes the file atomically with mode 0600. With `noClobber`, an existing file is never
 * replaced (two processes creating a keyring at once must not each write their own key) and
 * the result says whether this call created it.
 */
export async function writeKeyringFile(
  file: string,
  data: KeyringFile,
  options: { noClobber?: boolean } = {},
): Promise<boolean> {
  const text = serializeKeyringFile(data);
  const how = { mode: 0o600, dirMode: 0o700 };
  if (options.noClobber) return createFileAtomic(file, text, how);
  await writeFileAtomic(file, text, how);
  return true;
}

function isErrno(e: unknown, code: string): boolean {
  return e instanceof Error && 'code' in e && e.code === code;
}

const errnoText = (e: unknown): string =>
  e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : 'unknown error';
