/**
 * Secrets at rest: only ciphertext, each with the id of the key that sealed it. The store never
 * sees a plaintext value; sealing and opening happen in @berth/crypto.
 */

export interface SecretRow {
  appId: string;
  key: string;
  /** The sealed value (AES-256-GCM; nonce, ciphertext and tag, base64). */
  value: string;
  /** Which master key sealed it. */
  keyId: string;
  /** Mounted as a read-only file at this path instead of an environment variable; null: env. */
  filePath: string | null;
  createdAt: number;
  updatedAt: number;
}

/** A release's frozen copy of its app's secrets: a rollback brings back the secrets it had. */
export interface ReleaseSecretRow {
  releaseId: string;
  key: string;
  value: string;
  keyId: string;
  filePath: string | null;
}

export interface SecretRepo {
  /** Inserts or replaces the secret, file path included (keeps createdAt of an existing one). */
  put(row: SecretRow): Promise<void>;
  /** False when there was no such secret. */
  delete(appId: string, key: string): Promise<boolean>;
  list(appId: string): Promise<SecretRow[]>;
  /** Every secret of every app: for re-sealing under a new key. */
  listAll(): Promise<SecretRow[]>;
  /** Replaces value and key id only (re-sealing), leaving updatedAt alone. */
  reseal(appId: string, key: string, value: string, keyId: string): Promise<void>;
  /** How many sealed values (secrets and release secrets) each key id has. */
  countByKeyId(): Promise<Record<string, number>>;
}

export interface ReleaseSecretRepo {
  createMany(rows: readonly ReleaseSecretRow[]): Promise<void>;
  list(releaseId: string): Promise<ReleaseSecretRow[]>;
  listAll(): Promise<ReleaseSecretRow[]>;
  reseal(releaseId: string, key: string, value: string, keyId: string): Promise<void>;
}
