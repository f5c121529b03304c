import { open } from 'node:fs/promises';
import type { AuditAnchor } from '@berth/core';
import { writeFileAtomic } from '@berth/io';

/**
 * The audit chain's signed head, kept in the data dir beside the master key, outside the
 * database: whoever can only write the database cannot move it back. Written atomically and
 * durably (temp file, fsync, rename, fsync of the directory), so a crash leaves the old head or
 * the new one, never half of one.
 */

export const HEAD_FILE = 'audit.head';

export type HeadFile =
  { kind: 'missing' } | { kind: 'malformed'; why: string } | { kind: 'ok'; head: AuditAnchor };

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

export function parseHeadFile(text: string): HeadFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { kind: 'malformed', why: 'it is not JSON' };
  }
  if (!isRecord(data) || data.version !== 1) return { kind: 'malformed', why: 'it is not a version 1 head' };
  const { seq, hash, at, keyId, signature } = data;
  if (!isCount(seq) || !isCount(at)) return { kind: 'malformed', why: 'seq or at is not a count' };
  if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)) return { kind: 'malformed', why: 'bad hash' };
  if (typeof keyId !== 'string' || typeof signature !== 'string') {
    return { kind: 'malformed', why: 'keyId or signature is missing' };
  }
  return { kind: 'ok', head: { seq, hash, at, keyId, signature } };
}

export async function readHeadFile(file: string): Promise<HeadFile> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (e) {
    if (e instanceof Error && 'code' in e && e.code === 'ENOENT') return { kind: 'missing' };
    throw e;
  }
  try {
    return parseHeadFile(await handle.readFile('utf8'));
  } finally {
    await handle.close();
  }
}

export async function writeHeadFile(file: string, head: AuditAnchor): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify({ version: 1, ...head })}\n`, { mode: 0o600 });
}
