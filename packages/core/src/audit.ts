/**
 * The audit chain, pure. Each row's hash is hash(previous hash || canonical row), so editing,
 * deleting or reordering any row breaks every hash after it. The hash function (sha3-256) is
 * passed in: core does no crypto I/O, and a verifier elsewhere can bring its own.
 */

export type AuditOutcome = 'ok' | 'denied' | 'failed';
export type AuditActorKind = 'user' | 'token' | 'agent' | 'system' | 'anonymous';

export interface AuditRecord {
  seq: number;
  at: number;
  actorKind: AuditActorKind;
  actorId: string | null;
  actorName: string | null;
  teamId: string | null;
  requestId: string | null;
  /** e.g. `app.create`, `deploy`, `secret.change`, `login` */
  action: string;
  /** What it was done to, e.g. `app:web`, `user:ada@example.com` */
  target: string | null;
  outcome: AuditOutcome;
  /** Non-secret context (never a secret value). */
  detail: Record<string, string | number | boolean | null>;
}

export interface ChainedAuditRecord extends AuditRecord {
  prevHash: string;
  hash: string;
}

/** The previous hash of the first row. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

/**
 * One stable text per row: keys in a fixed order, detail keys sorted, no whitespace. Anything
 * that serialises a row differently would verify differently, so this is the only serialiser.
 */
export function toCanonicalAuditRecord(r: AuditRecord): string {
  const detail = Object.fromEntries(
    Object.keys(r.detail)
      .sort()
      .map((k) => [k, r.detail[k] ?? null]),
  );
  return JSON.stringify([
    r.seq,
    r.at,
    r.actorKind,
    r.actorId,
    r.actorName,
    r.teamId,
    r.requestId,
    r.action,
    r.target,
    r.outcome,
    detail,
  ]);
}

export const toAuditHashInput = (prevHash: string, r: AuditRecord): string =>
  `${prevHash}${toCanonicalAuditRecord(r)}`;

export type AuditVerdict =
  { ok: true; checked: number; head: string } | { ok: false; checked: number; seq: number; reason: string };

/**
 * Walks the rows in seq order. The first row whose seq is not the next number (a deletion or a
 * reordering), whose prevHash is not the hash before it, or whose hash does not match its
 * content, is named.
 */
export function verifyAuditChain(
  rows: Iterable<ChainedAuditRecord>,
  hash: (input: string) => string,
): AuditVerdict {
  let prev = AUDIT_GENESIS_HASH;
  let expectedSeq: number | null = null;
  let checked = 0;
  for (const r of rows) {
    if (expectedSeq !== null && r.seq !== expectedSeq) {
      const reason =
        r.seq > expectedSeq ? `rows ${expectedSeq}-${r.seq - 1} are missing` : `row ${r.seq} is out of order`;
      return { ok: false, checked, seq: r.seq, reason };
    }
    if (r.prevHash !== prev)
      return { ok: false, checked, seq: r.seq, reason: 'its previous-hash does not match the row before it' };
    if (hash(toAuditHashInput(prev, r)) !== r.hash) {
      return {
        ok: false,
        checked,
        seq: r.seq,
        reason: 'its content does not match its hash (the row was edited)',
      };
    }
    prev = r.hash;
    expectedSeq = r.seq + 1;
    checked++;
  }
  return { ok: true, checked, head: prev };
}
