import type { AuditOutcome, AuditActorKind } from '@berth/core';

/**
 * The audit log: append-only, each row chained to the one before by
 * hash = sha3-256(previous hash || canonical row) (see @berth/core's audit chain).
 */

export interface AuditEntry {
  at: number;
  actorKind: AuditActorKind;
  actorId: string | null;
  actorName: string | null;
  teamId: string | null;
  requestId: string | null;
  /** e.g. `app.create`, `deploy`, `secret.set`, `login` */
  action: string;
  /** What it was done to, e.g. `app:web` */
  target: string | null;
  outcome: AuditOutcome;
  /** Non-secret context (never a secret value). */
  detail: Record<string, string | number | boolean | null>;
}

export interface AuditRow extends AuditEntry {
  seq: number;
  prevHash: string;
  hash: string;
}

export interface AuditRepo {
  /**
   * Appends one row with the next seq, chained to the last row. Must run inside a transaction
   * (store.transaction) so no two appends read the same previous hash.
   */
  append(entry: AuditEntry): Promise<AuditRow>;
  /** Rows with seq > afterSeq, oldest first; optionally only of some teams. */
  list(options: { afterSeq: number; limit: number; teamIds?: readonly string[] }): Promise<AuditRow[]>;
  /** The newest row, or null for an empty log. */
  last(): Promise<AuditRow | null>;
}
