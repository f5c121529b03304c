/**
 * The port every backup target implements (a directory, S3-compatible storage). Keys are
 * checked by core's parseObjectKey in every adapter; adapters never interpret them beyond that.
 *
 * Every adapter guarantees: an object appears under its key whole or not at all (a writer killed
 * with SIGKILL leaves nothing under the final name), and every failure is a BerthError whose
 * message says which target, which key and what the storage itself said.
 */
import type { Readable } from 'node:stream';

export interface StoredObject {
  /** Bytes written. */
  bytes: number;
  /** sha256 (hex) of exactly the bytes written, computed as they went out. */
  sha256: string;
}

export interface ListedObject {
  /** The key, relative to the target (its prefix removed). */
  key: string;
  bytes: number;
  /** Last modification, ms since the epoch. */
  modifiedAt: number;
}

export interface BackupTarget {
  /** For messages and logs: `directory /srv/backups`, `s3 https://s3.example.com/bucket/berth/`. */
  readonly description: string;
  /** Stores the stream under `key` (replacing any object there); fails if the stream fails. */
  put(key: string, body: AsyncIterable<Uint8Array>): Promise<StoredObject>;
  /** The object's bytes; BACKUP_OBJECT_NOT_FOUND when there is none. */
  get(key: string): Promise<Readable>;
  /** Removes the object; nothing there is not an error. */
  delete(key: string): Promise<void>;
  /** Objects whose key starts with `prefix` (parseListPrefix), sorted by key. */
  list(prefix?: string): Promise<ListedObject[]>;
  /** Releases connections (S3); the target is not used after. */
  close(): void;
}
