import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { AUDIT_GENESIS_HASH, toAuditHashInput, type ChainedAuditRecord } from './audit.js';
import {
  NO_HEAD,
  toAuditAnchorStatement,
  verifyAuditExport,
  type AuditAnchor,
  type AuditAnchorKind,
  type AuditExport,
} from './audit-anchor.js';

const sha3 = (s: string): string => createHash('sha3-256').update(s).digest('hex');
/** A stand-in signature scheme: a key signs a statement as `key:statement`. */
const KEYS = [{ keyId: 'mk_aaaaaaaaaaaa', publicKey: 'K1' }];
const verify = (publicKey: string, statement: string, signature: string): boolean =>
  signature === `${publicKey}:${statement}`;
const crypto = { hash: sha3, verify };

function chain(n: number): ChainedAuditRecord[] {
  const rows: ChainedAuditRecord[] = [];
  let prev = AUDIT_GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const r = {
      seq,
      at: 1000 + seq,
      actorKind: 'system' as const,
      actorId: null,
      actorName: 'berthd',
      teamId: null,
      requestId: null,
      action: 'test',
      target: `row:${seq}`,
      outcome: 'ok' as const,
      detail: {},
    };
    const hash = sha3(toAuditHashInput(prev, r));
    rows.push({ ...r, prevHash: prev, hash });
    prev = hash;
  }
  return rows;
}

function anchor(kind: AuditAnchorKind, row: { seq: number; hash: string }, key = 'K1'): AuditAnchor {
  const s = { seq: row.seq, hash: row.hash, at: 5 };
  return { ...s, keyId: 'mk_aaaaaaaaaaaa', signature: `${key}:${toAuditAnchorStatement(kind, s)}` };
}

function exportOf(rows: ChainedAuditRecord[], extra: Partial<AuditExport> = {}): AuditExport {
  const last = rows[rows.length - 1];
  return {
    keys: KEYS,
    head: last ? anchor('head', last) : null,
    checkpoints: [],
    rows,
    ...extra,
  };
}

test('an intact log anchored at its last row verifies', () => {
  const rows = chain(5);
  const v = verifyAuditExport(
    exportOf(rows, { checkpoints: [anchor('checkpoint', rows[2] ?? rows[0]!)] }),
    crypto,
  );
  assert.deepEqual(v, {
    ok: true,
    checked: 5,
    head: rows[4]?.hash,
    anchoredSeq: 5,
    checkpoints: 1,
    notes: [],
  });
});

test('deleting the newest row, or the newest N, is named: the head records them', () => {
  const rows = chain(10);
  const head = anchor('head', rows[9]!);
  const one = verifyAuditExport(exportOf(rows.slice(0, 9), { head }), crypto);
  assert.deepEqual(one, {
    ok: false,
    checked: 9,
    seq: 10,
    reason: 'row 10 is missing at the end: the signed head kept beside the master key records row 10',
  });
  const many = verifyAuditExport(exportOf(rows.slice(0, 6), { head }), crypto);
  assert.equal(many.ok, false);
  assert.match(!many.ok ? many.reason : '', /^rows 7-10 are missing at the end/);
  const all = verifyAuditExport(exportOf([], { head }), crypto);
  assert.equal(!all.ok && all.seq, 1, 'an emptied log too');
});

test('a checkpoint names a cut end even without a head beyond it', () => {
  const rows = chain(10);
  const v = verifyAuditExport(
    exportOf(rows.slice(0, 4), {
      head: anchor('head', rows[3]!),
      checkpoints: [anchor('checkpoint', rows[7]!)],
    }),
    crypto,
  );
  assert.equal(
    !v.ok && v.reason,
    'rows 5-8 are missing at the end: the signed checkpoint of row 8 records row 8',
  );
});

test('a log rewritten from an edited row on (every hash recomputed) differs from its anchors', () => {
  const rows = chain(6);
  const forged = chain(6).map((r) => ({ ...r }));
  // Recompute the chain from row 3 with other content: it is a valid chain on its own.
  let prev = forged[1]!.hash;
  for (const r of forged.slice(2)) {
    r.target = 'rewritten';
    r.prevHash = prev;
    r.hash = sha3(toAuditHashInput(prev, r));
    prev = r.hash;
  }
  const v = verifyAuditExport(
    exportOf(forged, { head: anchor('head', rows[5]!), checkpoints: [anchor('checkpoint', rows[3]!)] }),
    crypto,
  );
  assert.deepEqual(v, {
    ok: false,
    checked: 3,
    seq: 4,
    reason: 'it differs from the signed checkpoint of row 4 (the log was rewritten)',
  });
});

test('an anchor made or changed without the key breaks the log; one of an unknown key is only noted', () => {
  const rows = chain(4);
  const bad = verifyAuditExport(exportOf(rows, { head: anchor('head', rows[3]!, 'K2') }), crypto);
  assert.match(!bad.ok ? bad.reason : '', /does not carry a valid signature/);
  const moved = { ...anchor('head', rows[3]!), seq: 2 };
  assert.equal(verifyAuditExport(exportOf(rows, { head: moved }), crypto).ok, false, 'a moved head');
  const foreign = { ...anchor('checkpoint', rows[1]!), keyId: 'mk_bbbbbbbbbbbb' };
  const v = verifyAuditExport(exportOf(rows, { checkpoints: [foreign] }), crypto);
  assert.ok(v.ok && v.notes.length === 1, JSON.stringify(v));
});

test('without a head the log does not verify; rows after the head are noted', () => {
  const rows = chain(3);
  const none = verifyAuditExport(exportOf(rows, { head: null }), crypto);
  assert.deepEqual(none, { ok: false, checked: 3, seq: null, reason: NO_HEAD });
  const behind = verifyAuditExport(exportOf(rows, { head: anchor('head', rows[1]!) }), crypto);
  assert.ok(behind.ok && behind.anchoredSeq === 2 && behind.notes.length === 1, JSON.stringify(behind));
});
