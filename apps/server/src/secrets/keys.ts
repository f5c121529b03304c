import { join } from 'node:path';
import {
  assertKeyringMatches,
  createSecretBox,
  keyCheck,
  loadKeyring,
  type Keyring,
  type SecretBox,
  type StoredKeyCheck,
} from '@berth/crypto';
import { BerthError } from '@berth/protocol';
import type { Repos, Store } from '@berth/store';

/**
 * The master keys and the box that seals with them. The keyring lives outside the database
 * (`<data-dir>/master.key`, 0600, or BERTH_MASTER_KEY); the database keeps only a check value
 * per key, so a wrong key is a clear startup error and never silent garbage.
 */
export interface KeyHolder {
  readonly file: string;
  readonly envKey: string | undefined;
  keyring: Keyring;
  box: SecretBox;
}

const CHECKS_KEY = 'key_checks';

export const keyFile = (dataDir: string): string => join(dataDir, 'master.key');

export async function openKeys(
  store: Store,
  dataDir: string,
  envKey: string | undefined,
): Promise<KeyHolder> {
  const file = keyFile(dataDir);
  const stored = await readChecks(store);
  const inUse = await store.secrets.countByKeyId();
  // Only a database that has never sealed anything may get a brand-new key.
  const create = stored.length === 0 && Object.keys(inUse).length === 0;
  const keyring = await loadKeyring({ file, envKey, create });
  assertKeyringMatches(keyring, stored);
  const missing = Object.keys(inUse).filter((id) => !keyring.has(id));
  if (missing.length > 0) {
    throw new BerthError(
      'INTERNAL',
      `values in the database are sealed with ${missing.join(', ')}, which the keyring (${keyring.source}) does not hold`,
      {
        hint: 'start berthd with the key file from your backup (or BERTH_MASTER_KEY) that holds those keys',
      },
    );
  }
  await store.transaction((tx) => saveChecks(tx, keyring, stored));
  return { file, envKey, keyring, box: createSecretBox(keyring) };
}

export async function readChecks(repos: Pick<Repos, 'meta'>): Promise<StoredKeyCheck[]> {
  const raw = await repos.meta.get(CHECKS_KEY);
  if (!raw) return [];
  try {
    const parsed = JSON.parse(raw) as StoredKeyCheck[];
    return Array.isArray(parsed)
      ? parsed.filter((c) => typeof c.keyId === 'string' && typeof c.check === 'string')
      : [];
  } catch {
    throw new BerthError('INTERNAL', `the stored master key checks (meta ${CHECKS_KEY}) are not valid JSON`);
  }
}

/** Records a check for every key of the keyring that has none yet (after they were verified). */
export async function saveChecks(
  tx: Pick<Repos, 'meta'>,
  keyring: Keyring,
  stored: readonly StoredKeyCheck[],
): Promise<void> {
  const known = new Set(stored.map((c) => c.keyId));
  const added = keyring
    .ids()
    .filter((id) => !known.has(id))
    .map((id) => ({ keyId: id, check: keyCheck(keyring, id) }));
  if (added.length > 0) await tx.meta.set(CHECKS_KEY, JSON.stringify([...stored, ...added]));
}

/** Where an app secret's ciphertext belongs: it opens only there. */
export const secretAad = (appId: string, key: string): string => `app:${appId}:${key}`;
