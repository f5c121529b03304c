/**
 * Master keys: they live in a 0600 key file or in BERTH_MASTER_KEY, never in the database.
 *
 * Guarantees: a Keyring holds only well-formed 32-byte keys, each named by an id derived from
 * the key (`mk_<12 hex of sha256>`); exactly one is current (it seals new values), the others
 * only open old ones. Key material never appears in errors, `util.inspect`, `String()` or
 * `JSON.stringify` of a Keyring: those show ids only. A key still in use is never removed.
 */
import { inspect } from 'node:util';
import { BerthError } from '@berth/protocol';
import { decodeBase64Strict } from './encoding.js';
import {
  MASTER_KEY_BYTES,
  keyIdFor,
  missingKeyringError,
  newKeyEntry,
  readKeyringFile,
  writeKeyringFile,
} from './keyring-file.js';
import type { KeyringFile } from './keyring-file.js';

/** Where the keys came from: env keys cannot be rotated through the key file. */
export type KeyringSource = 'env' | 'file';

export interface Keyring {
  readonly source: KeyringSource;
  /** The key that seals new values. */
  readonly currentId: string;
  ids(): string[];
  has(id: string): boolean;
  /**
   * The key bytes (a copy). For @berth/crypto itself: nothing else should need a master key,
   * only keys derived from it.
   */
  key(id: string): Buffer;
  /** Source and ids only, like util.inspect and JSON.stringify. */
  toString(): string;
}

class KeyringImpl implements Keyring {
  // A #private field: invisible to JSON.stringify, Object.keys, spread and util.inspect.
  readonly #keys: ReadonlyMap<string, Buffer>;
  readonly source: KeyringSource;
  readonly currentId: string;

  constructor(source: KeyringSource, keys: ReadonlyMap<string, Buffer>, currentId: string) {
    this.source = source;
    this.#keys = keys;
    this.currentId = currentId;
  }

  ids(): string[] {
    return [...this.#keys.keys()];
  }

  has(id: string): boolean {
    return this.#keys.has(id);
  }

  key(id: string): Buffer {
    const key = this.#keys.get(id);
    if (key === undefined) {
      throw new BerthError('INTERNAL', `master key ${id} is missing from the keyring`, {
        hint: 'restore the key file that holds it from your backup',
      });
    }
    return Buffer.from(key);
  }

  toJSON(): { source: KeyringSource; currentId: string; ids: string[] } {
    return { source: this.source, currentId: this.currentId, ids: this.ids() };
  }

  toString(): string {
    return `Keyring(${this.source}, current ${this.currentId}, ids ${this.ids().join(', ')})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

const fromFile = (data: KeyringFile): Keyring =>
  new KeyringImpl('file', new Map(data.keys.map((k) => [k.id, Buffer.from(k.key, 'base64')])), data.current);

/** BERTH_MASTER_KEY: base64 of exactly 32 bytes. The error says what is wrong, never the value. */
export function parseEnvMasterKey(value: string): Buffer {
  const fail = (what: string): BerthError =>
    new BerthError('VALIDATION_FAILED', `BERTH_MASTER_KEY ${what}`, {
      issues: [{ path: 'BERTH_MASTER_KEY', message: what }],
      hint: 'generate a key with: openssl rand -base64 32',
    });
  // Surrounding whitespace is an artefact of env files and `$(cat …)`, never part of a key.
  const trimmed = value.trim();
  if (trimmed === '') throw fail('is empty');
  const bytes = decodeBase64Strict(trimmed);
  if (bytes === null) throw fail('is not base64 (standard alphabet, with = padding)');
  if (bytes.length !== MASTER_KEY_BYTES) {
    throw fail(`decodes to ${bytes.length} bytes; it must be exactly ${MASTER_KEY_BYTES}`);
  }
  return bytes;
}

export interface LoadKeyringOptions {
  /** The key file's path. */
  file: string;
  /** BERTH_MASTER_KEY as main read it; when set it is the only key and the file is not read. */
  envKey?: string | undefined;
  /** Create a new key file with one key when there is none (first start). */
  create?: boolean;
}

export async function loadKeyring(options: LoadKeyringOptions): Promise<Keyring> {
  const { file, envKey, create = false } = options;
  if (envKey !== undefined) {
    const key = parseEnvMasterKey(envKey);
    const id = keyIdFor(key);
    return new KeyringImpl('env', new Map([[id, key]]), id);
  }
  const existing = await readKeyringFile(file);
  if (existing !== null) return fromFile(existing);
  if (!create) throw missingKeyringError(file);
  const entry = newKeyEntry(Date.now());
  const created = await writeKeyringFile(
    file,
    { version: 1, current: entry.id, keys: [entry] },
    { noClobber: true },
  );
  if (created) return fromFile({ version: 1, current: entry.id, keys: [entry] });
  // Another process created it between our read and our write: theirs wins, load it.
  const theirs = await readKeyringFile(file);
  if (theirs === null) throw missingKeyringError(file);
  return fromFile(theirs);
}

function refuseEnv(file: string, envKey: string | undefined, action: string): void {
  if (envKey === undefined) return;
  throw new BerthError(
    'VALIDATION_FAILED',
    `the master key comes from BERTH_MASTER_KEY, so it cannot be ${action} through the key file ${file}`,
    {
      issues: [
        { path: 'BERTH_MASTER_KEY', message: `is set; keys from the environment cannot be ${action}` },
      ],
      hint: `unset BERTH_MASTER_KEY and keep the key in ${file} instead (the same key keeps the same id, so existing values still open)`,
    },
  );
}

async function readForUpdate(file: string): Promise<KeyringFile> {
  const data = await readKeyringFile(file);
  if (data === null) throw missingKeyringError(file);
  return data;
}

/**
 * Adds a new key and makes it current; the old current key stays to open old values (and gets
 * its retiredAt). Re-sealing those values under the new key is the caller's next step.
 * Pass `envKey` when BERTH_MASTER_KEY is set, so the refusal is explicit.
 */
export async function rotateKeyring(
  file: string,
  options: { envKey?: string | undefined } = {},
): Promise<{ newId: string }> {
  refuseEnv(file, options.envKey, 'rotated');
  const data = await readForUpdate(file);
  const now = Date.now();
  let entry = newKeyEntry(now);
  // 48-bit ids: a clash is astronomically unlikely, but it would be silent, so rule it out.
  while (data.keys.some((k) => k.id === entry.id)) entry = newKeyEntry(now);
  const keys = data.keys.map((k) => (k.id === data.current ? { ...k, retiredAt: now } : k));
  await writeKeyringFile(file, { version: 1, current: entry.id, keys: [...keys, entry] });
  return { newId: entry.id };
}

/**
 * Removes a non-current key from the file, but only when no sealed value uses it any more
 * (`inUse`, as counted by the store): a removed key makes every value it sealed unreadable.
 */
export async function retireKey(
  file: string,
  id: string,
  inUse: number,
  options: { envKey?: string | undefined } = {},
): Promise<void> {
  refuseEnv(file, options.envKey, 'retired');
  const data = await readForUpdate(file);
  const refuse = (code: 'KEY_NOT_FOUND' | 'KEY_IN_USE', message: string, hint: string): BerthError =>
    new BerthError(code, message, { hint });
  if (!data.keys.some((k) => k.id === id)) {
    throw refuse(
      'KEY_NOT_FOUND',
      `master key ${id} is not in ${file}`,
      `the keys in it are ${data.keys.map((k) => k.id).join(', ')}`,
    );
  }
  if (id === data.current) {
    throw refuse(
      'KEY_IN_USE',
      `master key ${id} is the current key and cannot be retired`,
      'rotate first: a new key becomes current',
    );
  }
  if (!Number.isSafeInteger(inUse) || inUse < 0) {
    throw new BerthError('INTERNAL', `retireKey was given an invalid in-use count for ${id}`);
  }
  if (inUse > 0) {
    throw refuse(
      'KEY_IN_USE',
      `master key ${id} still seals ${inUse} value${inUse === 1 ? '' : 's'}; it cannot be retired yet`,
      'rotate first, so every value is re-sealed under the current key, then retire it',
    );
  }
  await writeKeyringFile(file, { ...data, keys: data.keys.filter((k) => k.id !== id) });
}
