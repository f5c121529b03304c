import { verifyAuditChain, type ChainedAuditRecord } from './audit.js';

/**
 * Anchors of the audit chain, pure. The chain alone shows an edited row, but not the newest
 * rows deleted: what is left is still a valid chain. So berthd keeps, outside the database, a
 * signed statement of the newest row (the head, beside the master key) and, inside it, signed
 * checkpoints every so many rows. Rows missing after an anchor, or a row that differs from one,
 * are named here. Signatures are checked by the caller (core does no crypto) and passed in.
 */

export type AuditAnchorKind = 'head' | 'checkpoint';

/** What an anchor states: row `seq` of the chain has `hash` (seq 0: the empty log). */
export interface AuditAnchorStatement {
  seq: number;
  hash: string;
  at: number;
}

export interface AuditAnchor extends AuditAnchorStatement {
  /** The master key whose derived key signed it. */
  keyId: string;
  signature: string;
}

/** An anchor and what its signature check found. */
export interface AuditAnchorEvidence extends AuditAnchorStatement {
  kind: AuditAnchorKind;
  keyId: string;
  /** `unknown-key`: signed with a master key the verifier does not hold (retired or foreign). */
  signed: 'valid' | 'invalid' | 'unknown-key';
}

/** The one text an anchor's signature covers. */
export const toAuditAnchorStatement = (kind: AuditAnchorKind, a: AuditAnchorStatement): string =>
  JSON.stringify([`berth/audit-${kind}/v1`, a.seq, a.hash, a.at]);

export type AuditLogVerdict =
  | {
      ok: true;
      checked: number;
      head: string;
      /** The row the signed head records. */
      anchoredSeq: number;
      /** Valid checkpoints the rows were compared with. */
      checkpoints: number;
      /** What did not break the log but is worth knowing. */
      notes: string[];
    }
  | {
      ok: false;
      checked: number;
      /** The first row that is missing, edited or out of place; null when no row is at fault. */
      seq: number | null;
      reason: string;
    };

/** Why a log without a head does not verify. */
export const NO_HEAD =
  'there is no signed head to compare the end of the log with, so rows cut from its end would go unseen';

const describe = (a: AuditAnchorEvidence): string =>
  a.kind === 'head' ? 'the signed head kept beside the master key' : `the signed checkpoint of row ${a.seq}`;

/**
 * The chain (see verifyAuditChain), then the anchors: a forged anchor, a row whose hash differs
 * from an anchor's, or rows an anchor records that are not there, each break the log. `head` is
 * null when there is none to compare with: that breaks it too, since a cut end would go unseen.
 */
export function verifyAuditLog(
  rows: Iterable<ChainedAuditRecord>,
  anchors: { head: AuditAnchorEvidence | null; checkpoints: readonly AuditAnchorEvidence[] },
  hash: (input: string) => string,
): AuditLogVerdict {
  const all = [...anchors.checkpoints, ...(anchors.head ? [anchors.head] : [])];
  const forged = all.find((a) => a.signed === 'invalid');
  if (forged) {
    return {
      ok: false,
      checked: 0,
      seq: null,
      reason: `${describe(forged)} does not carry a valid signature of this installation (it was made or changed without the master key)`,
    };
  }
  const usable = all.filter((a) => a.signed === 'valid' && a.seq > 0);
  const bySeq = new Map<number, AuditAnchorEvidence[]>();
  for (const a of usable) bySeq.set(a.seq, [...(bySeq.get(a.seq) ?? []), a]);

  let differs: { checked: number; seq: number; reason: string } | null = null;
  let lastSeq = 0;
  let seen = 0;
  function* watched(): Generator<ChainedAuditRecord> {
    for (const r of rows) {
      const wrong = (bySeq.get(r.seq) ?? []).find((a) => a.hash !== r.hash);
      if (wrong && !differs) {
        const reason = `it differs from ${describe(wrong)} (the log was rewritten)`;
        differs = { checked: seen, seq: r.seq, reason };
      }
      lastSeq = r.seq;
      seen++;
      yield r;
    }
  }
  const chain = verifyAuditChain(watched(), hash);
  const firstDiff = differs as { checked: number; seq: number; reason: string } | null;
  if (firstDiff && (chain.ok || firstDiff.seq <= chain.seq)) return { ok: false, ...firstDiff };
  if (!chain.ok) return chain;

  const furthest = usable.reduce<AuditAnchorEvidence | null>((a, b) => (a && a.seq >= b.seq ? a : b), null);
  if (furthest && furthest.seq > lastSeq) {
    const from = lastSeq + 1;
    const missing = from === furthest.seq ? `row ${from} is` : `rows ${from}-${furthest.seq} are`;
    return {
      ok: false,
      checked: chain.checked,
      seq: from,
      reason: `${missing} missing at the end: ${describe(furthest)} records row ${furthest.seq}`,
    };
  }
  return headVerdict(chain, anchors, lastSeq);
}

function headVerdict(
  chain: { checked: number; head: string },
  anchors: { head: AuditAnchorEvidence | null; checkpoints: readonly AuditAnchorEvidence[] },
  lastSeq: number,
): AuditLogVerdict {
  const { head } = anchors;
  if (!head) {
    return {
      ok: false,
      checked: chain.checked,
      seq: null,
      reason: NO_HEAD,
    };
  }
  if (head.signed === 'unknown-key') {
    return {
      ok: false,
      checked: chain.checked,
      seq: null,
      reason: `the signed head was signed with master key ${head.keyId}, which this verifier does not hold`,
    };
  }
  const notes: string[] = [];
  const unknown = anchors.checkpoints.filter((c) => c.signed === 'unknown-key');
  if (unknown.length > 0) {
    notes.push(
      `${unknown.length} checkpoint(s) signed with master keys this verifier does not hold were not compared`,
    );
  }
  if (lastSeq > head.seq) {
    notes.push(`${lastSeq - head.seq} row(s) after the signed head (appended while it was being written)`);
  }
  return {
    ok: true,
    checked: chain.checked,
    head: chain.head,
    anchoredSeq: head.seq,
    checkpoints: anchors.checkpoints.filter((c) => c.signed === 'valid').length,
    notes,
  };
}

export interface AuditSigningKeyInfo {
  keyId: string;
  publicKey: string;
}

/** What checking an anchor's signature against the known public keys finds. */
export function toAuditAnchorEvidence(
  kind: AuditAnchorKind,
  anchor: AuditAnchor,
  keys: readonly AuditSigningKeyInfo[],
  verify: (publicKey: string, statement: string, signature: string) => boolean,
): AuditAnchorEvidence {
  const key = keys.find((k) => k.keyId === anchor.keyId);
  const statement = toAuditAnchorStatement(kind, anchor);
  const signed = !key
    ? 'unknown-key'
    : verify(key.publicKey, statement, anchor.signature)
      ? 'valid'
      : 'invalid';
  return { kind, seq: anchor.seq, hash: anchor.hash, at: anchor.at, keyId: anchor.keyId, signed };
}

/** A whole exported log: the keys that verify anchors, the anchors, and the rows. */
export interface AuditExport {
  keys: readonly AuditSigningKeyInfo[];
  head: AuditAnchor | null;
  checkpoints: readonly AuditAnchor[];
  rows: readonly ChainedAuditRecord[];
}

/** verifyAuditLog of an export, its anchors checked against its keys. */
export function verifyAuditExport(
  e: AuditExport,
  crypto: {
    hash: (input: string) => string;
    verify: (publicKey: string, statement: string, signature: string) => boolean;
  },
): AuditLogVerdict {
  const evidence = (kind: AuditAnchorKind, a: AuditAnchor): AuditAnchorEvidence =>
    toAuditAnchorEvidence(kind, a, e.keys, crypto.verify);
  return verifyAuditLog(
    e.rows,
    {
      head: e.head ? evidence('head', e.head) : null,
      checkpoints: e.checkpoints.map((c) => evidence('checkpoint', c)),
    },
    crypto.hash,
  );
}
