import { join } from 'node:path';
import {
  toAuditAnchorEvidence,
  toAuditAnchorStatement,
  type AuditAnchor,
  type AuditAnchorKind,
  type AuditAnchorStatement,
} from '@berth/core';
import { auditSigningKeys, createAuditSigner, verifyAuditSignature, type AuditSigner } from '@berth/crypto';
import type { AuditCheckpointRow, AuditRow, Store } from '@berth/store';
import type { Logger } from 'pino';
import type { KeyHolder } from '../secrets/keys.js';
import { HEAD_FILE, readHeadFile, writeHeadFile, type HeadFile } from './head-file.js';

/**
 * Keeps the audit chain anchored outside the database: right after every commit that appended
 * rows (one write at a time, each to the newest row committed by then), the head file beside the
 * master key is moved to the newest row, signed with a key derived
 * from the master key; every CHECKPOINT_EVERY rows a signed checkpoint goes into the database.
 * Deleting the newest rows then leaves the head pointing past the end, which verify names.
 *
 * The head only moves forward, and only along the chain it already anchors: when the log no
 * longer leads from the head to the new row (rows deleted or rewritten), it stays where it is as
 * evidence, and berthd says so in its log.
 */

export const CHECKPOINT_EVERY = 1000;

export type AuditAnchors = ReturnType<typeof createAuditAnchors>;

export interface AuditAnchorDeps {
  store: Store;
  keys: KeyHolder;
  dataDir: string;
  clock: () => number;
  log: Logger;
  /** How the head file is written; tests slow it down. */
  writeHead?: (file: string, head: AuditAnchor) => Promise<void>;
}

export function createAuditAnchors(deps: AuditAnchorDeps) {
  const { store, keys, log } = deps;
  const file = join(deps.dataDir, HEAD_FILE);
  let written: AuditAnchor | null = null;
  let lastCheckpoint = 0;
  let stuck = false;
  let pending: AuditAnchorStatement | null = null;
  let queue: Promise<void> = Promise.resolve();
  let signer: AuditSigner | null = null;

  const sign = (kind: AuditAnchorKind, s: AuditAnchorStatement): AuditAnchor => {
    if (signer?.keyId !== keys.keyring.currentId) signer = createAuditSigner(keys.keyring);
    const statement = { seq: s.seq, hash: s.hash, at: s.at };
    return {
      ...statement,
      keyId: signer.keyId,
      signature: signer.sign(toAuditAnchorStatement(kind, statement)),
    };
  };
  const isOurs = (kind: AuditAnchorKind, a: AuditAnchor): boolean =>
    toAuditAnchorEvidence(kind, a, auditSigningKeys(keys.keyring), verifyAuditSignature).signed === 'valid';
  /** Runs after whatever anchoring is under way, so the file and the checkpoints see one writer. */
  const serially = (fn: () => Promise<void>): Promise<void> => {
    const run = queue.then(fn);
    queue = run.catch(() => undefined);
    return run;
  };

  async function writeHead(s: AuditAnchorStatement): Promise<void> {
    const head = sign('head', s);
    await (deps.writeHead ?? writeHeadFile)(file, head);
    written = head;
  }

  async function checkpoint(s: AuditAnchorStatement): Promise<void> {
    if (s.seq === 0) return;
    await store.auditCheckpoints.put(sign('checkpoint', s));
    lastCheckpoint = Math.max(lastCheckpoint, s.seq);
  }

  /** Whether the log still leads from the anchored head to `row`. */
  async function leadsTo(
    head: AuditAnchor,
    row: AuditAnchorStatement & { prevHash?: string },
  ): Promise<boolean> {
    if (head.seq === 0) return true;
    if (row.seq === head.seq + 1 && row.prevHash !== undefined) return row.prevHash === head.hash;
    const [at] = await store.audit.list({ afterSeq: head.seq - 1, limit: 1 });
    return at?.seq === head.seq && at.hash === head.hash;
  }

  async function flush(): Promise<void> {
    const target = pending;
    if (!target || stuck || (written && target.seq <= written.seq)) return;
    if (written && !(await leadsTo(written, target))) {
      stuck = true;
      log.error(
        { anchoredSeq: written.seq, seq: target.seq },
        'the audit log no longer leads to its signed head: rows were deleted or rewritten; the head stays as evidence (run berth audit verify)',
      );
      return;
    }
    await writeHead(target);
    if (target.seq - lastCheckpoint >= CHECKPOINT_EVERY) await checkpoint(target);
  }

  /** Anchors the log as it is now, loudly, with an audit row saying why. */
  async function reanchor(why: string): Promise<void> {
    const last = await store.audit.last();
    if (!last) {
      await writeHead({ seq: 0, hash: '0'.repeat(64), at: deps.clock() });
      return;
    }
    log.warn({ file, seq: last.seq, why }, `the audit head is anchored anew at row ${last.seq}: ${why}`);
    await writeHead(last);
    await checkpoint(last);
    await store.transaction(async (tx) => {
      await tx.audit.append({
        at: deps.clock(),
        actorKind: 'system',
        actorId: null,
        actorName: 'berthd',
        teamId: null,
        requestId: null,
        action: 'audit.anchor',
        target: `audit:${last.seq}`,
        outcome: 'ok',
        detail: { reason: why, seq: last.seq },
      });
    });
  }

  /** Moves the head to `row` (the store calls this after each commit that appended rows). */
  function advance(row: AuditRow): Promise<void> {
    if (!pending || row.seq > pending.seq) pending = row;
    return serially(flush).catch((err: unknown) => {
      log.error({ err, seq: row.seq }, 'could not write the audit head');
    });
  }

  /** After a key rotation: the head and every checkpoint signed again under the current key. */
  function resign(): Promise<void> {
    return serially(async () => {
      if (written && written.keyId !== keys.keyring.currentId) await writeHead(written);
      for (const c of await store.auditCheckpoints.list()) {
        if (c.keyId !== keys.keyring.currentId && isOurs('checkpoint', c)) await checkpoint(c);
      }
    });
  }

  /**
   * Before anything appends: finds the head, re-signs what an old master key signed, and moves
   * the head over rows appended since it was written (a crash between a commit and the head's
   * write). A missing or unusable head on a log that has rows is anchored anew, with a warning
   * and an audit row. Not queued: reanchor's own audit row is anchored through the queue.
   */
  async function start(): Promise<void> {
    // Not awaited by the commit's caller: a head write is two fsyncs, and under heavy disk writes
    // those took longer than a client waits (the CLI's 30 s), so a change that had committed was
    // reported as lost. The head follows within one write; verify and export wait for it.
    store.onAuditCommitted((row) => {
      void advance(row);
      return Promise.resolve();
    });
    const found = await readHeadFile(file);
    lastCheckpoint = (await store.auditCheckpoints.latest())?.seq ?? 0;
    const last = await store.audit.last();
    const problem = headProblem(found, (h) => isOurs('head', h));
    if (problem !== null) return reanchor(last ? problem : 'first start');
    if (found.kind !== 'ok') return;
    written = found.head;
    if (!last || last.seq < found.head.seq) {
      log.error(
        { anchoredSeq: found.head.seq, lastSeq: last?.seq ?? 0 },
        'the audit log ends before its signed head: rows were deleted (run berth audit verify)',
      );
    } else if (last.seq > found.head.seq) {
      await advance(last);
    }
    await resign();
  }

  /** What an export carries and verify compares with: read now, the head from its file. */
  async function evidence(): Promise<{
    head: HeadFile;
    checkpoints: AuditCheckpointRow[];
    keys: { keyId: string; publicKey: string }[];
  }> {
    // The head of every commit so far, not the one before the writes still under way.
    await settled();
    const head = await readHeadFile(file);
    return { head, checkpoints: await store.auditCheckpoints.list(), keys: auditSigningKeys(keys.keyring) };
  }

  /**
   * Waits for the head writes under way: berthd's close calls it once requests and jobs have
   * stopped, so no head write lands after the store closes (or while the data dir is removed).
   */
  function settled(): Promise<void> {
    return queue;
  }

  return { start, advance, resign, evidence, settled, file, currentKeyId: () => keys.keyring.currentId };
}

function headProblem(found: HeadFile, ours: (head: AuditAnchor) => boolean): string | null {
  switch (found.kind) {
    case 'missing':
      return 'the head file was missing (an installation older than the head, or the file was removed)';
    case 'malformed':
      return `the head file was unreadable (${found.why})`;
    case 'ok':
      return ours(found.head)
        ? null
        : `the head file was not signed by a master key this installation holds (key ${found.head.keyId})`;
  }
}
