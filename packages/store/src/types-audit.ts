import type { AuditRecord, ChainedAuditRecord } from '@berth/core';

/**
 * The audit log: append-only, each row chained to the one before by
 * hash = sha3-256(previous hash || canonical row) (see @berth/core's audit chain, whose record
 * types these are: what is stored is exactly what is hashed).
 */

/** A row to append; the repository assigns seq and the hashes. */
export type AuditEntry = Omit<AuditRecord, 'seq'>;

export type AuditRow = ChainedAuditRecord;

/** What a reader of the log narrows it to; every part given must match. */
export interface AuditFilter {
  /** The actor's name or id, exactly. */
  actor?: string;
  /** The action exactly, or (ending in `.*`) every action that starts with what is before the `*`. */
  action?: string;
  target?: string;
  outcome?: AuditRow['outcome'];
  /** Epoch ms: rows at or after it. */
  since?: number;
  /** Epoch ms: rows before it. */
  until?: number;
}

export interface AuditRepo {
  /**
   * Appends one row with the next seq, chained to the last row. Must run inside a transaction
   * (store.transaction) so no two appends read the same previous hash.
   */
  append(entry: AuditEntry): Promise<AuditRow>;
  /**
   * Rows with seq > afterSeq (and < beforeSeq), oldest first unless `newestFirst`; optionally only
   * of some teams, and only those that match every part of `filter`.
   */
  list(options: {
    afterSeq: number;
    beforeSeq?: number;
    limit: number;
    newestFirst?: boolean;
    teamIds?: readonly string[];
    filter?: AuditFilter;
  }): Promise<AuditRow[]>;
  /** The newest row, or null for an empty log. */
  last(): Promise<AuditRow | null>;
}

/**
 * A signed statement that row `seq` of the chain had `hash` (see @berth/core's audit anchors).
 * Signed outside the store with a key derived from the master key; the store only keeps them.
 */
export interface AuditCheckpointRow {
  seq: number;
  hash: string;
  at: number;
  keyId: string;
  signature: string;
}

export interface AuditCheckpointRepo {
  /** Adds a checkpoint, or replaces the one of its seq (re-signed under a new key). */
  put(row: AuditCheckpointRow): Promise<void>;
  /** All of them, oldest first. */
  list(): Promise<AuditCheckpointRow[]>;
  latest(): Promise<AuditCheckpointRow | null>;
}
