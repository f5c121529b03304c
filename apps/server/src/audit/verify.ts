import { NO_HEAD, verifyAuditExport, type AuditAnchor, type AuditLogVerdict } from '@berth/core';
import { sha3_256Hex, verifyAuditSignature } from '@berth/crypto';
import type { AuditExportLine, AuditVerification } from '@berth/protocol';
import type { AuditRow, Store } from '@berth/store';
import type { AuditAnchors } from './anchor.js';

/**
 * The audit log as an export carries it, and the server's own check of it. The anchors and the
 * keys are read before the rows, so rows appended meanwhile are past the head, never missing
 * before it.
 */

const PAGE = 1000;

/** Keys, the head and checkpoints, then the rows page by page. */
export async function* auditExportLines(
  store: Store,
  anchors: AuditAnchors,
): AsyncGenerator<AuditExportLine[]> {
  const evidence = await anchors.evidence();
  yield [
    ...evidence.keys.map((k) => ({ type: 'key' as const, ...k })),
    ...(evidence.head.kind === 'ok' ? [{ type: 'head' as const, ...evidence.head.head }] : []),
    ...evidence.checkpoints.map((c) => ({ type: 'checkpoint' as const, ...c })),
  ];
  let after = 0;
  for (;;) {
    const rows = await store.audit.list({ afterSeq: after, limit: PAGE });
    if (rows.length === 0) return;
    yield rows;
    after = rows[rows.length - 1]?.seq ?? after;
  }
}

/** Verifies the log against the head file and the checkpoints, with the keys of the keyring. */
export async function verifyAudit(store: Store, anchors: AuditAnchors): Promise<AuditVerification> {
  const evidence = await anchors.evidence();
  const rows: AuditRow[] = [];
  for (let page = await store.audit.list({ afterSeq: 0, limit: PAGE }); page.length > 0;) {
    rows.push(...page);
    page = await store.audit.list({ afterSeq: page[page.length - 1]?.seq ?? 0, limit: PAGE });
  }
  const [current] = evidence.keys.filter((k) => k.keyId === anchors.currentKeyId());
  const signingKey = current ?? { keyId: '', publicKey: '' };
  if (evidence.head.kind === 'malformed') {
    return toVerification(
      {
        ok: false,
        checked: 0,
        seq: null,
        reason: `the head file ${anchors.file} is unreadable (${evidence.head.why})`,
      },
      signingKey,
    );
  }
  const head: AuditAnchor | null = evidence.head.kind === 'ok' ? evidence.head.head : null;
  const verdict = verifyAuditExport(
    { keys: evidence.keys, head, checkpoints: evidence.checkpoints, rows },
    { hash: sha3_256Hex, verify: verifyAuditSignature },
  );
  if (!verdict.ok && verdict.reason === NO_HEAD) {
    return toVerification(
      { ...verdict, reason: `the head file ${anchors.file} is missing: ${NO_HEAD}` },
      signingKey,
    );
  }
  return toVerification(verdict, signingKey);
}

export function toVerification(
  v: AuditLogVerdict,
  signingKey: { keyId: string; publicKey: string },
): AuditVerification {
  return v.ok
    ? {
        ok: true,
        checked: v.checked,
        seq: null,
        reason: null,
        head: v.head,
        anchoredSeq: v.anchoredSeq,
        checkpoints: v.checkpoints,
        notes: v.notes,
        signingKey,
      }
    : {
        ok: false,
        checked: v.checked,
        seq: v.seq,
        reason: v.reason,
        head: null,
        anchoredSeq: null,
        checkpoints: 0,
        notes: [],
        signingKey,
      };
}
