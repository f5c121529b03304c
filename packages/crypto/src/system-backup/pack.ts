/**
 * The plaintext inside a system backup: a manifest (JSON) and the files' bytes one after the
 * other. Each file's size and sha256 are in the manifest, and unpacking checks both, and that
 * every path is a plain relative path of Berth's data dir (no `..`, no absolute path, no dot
 * segment), so a crafted backup cannot write outside the directory it is restored into.
 */
import { createHash } from 'node:crypto';
import { BerthError } from '@berth/protocol';

export interface SystemBackupFile {
  /** Relative to the data dir, `/`-separated: `berth.db`, `registry/login.key`. */
  path: string;
  /** Permission bits the file is restored with. */
  mode: number;
  data: Buffer;
}

export interface SystemBackupManifest {
  version: 1;
  /** ms since the epoch. */
  createdAt: number;
  berthVersion: string;
  /** True when berthd ran with BERTH_MASTER_KEY: the key is not in the backup, the operator keeps it. */
  masterKeyFromEnvironment: boolean;
  files: { path: string; mode: number; bytes: number; sha256: string }[];
}

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/;

export function isSafeRelativePath(path: string): boolean {
  const segments = path.split('/');
  return segments.length <= 4 && segments.every((s) => SEGMENT.test(s) && s !== '..');
}

const damaged = (why: string): BerthError =>
  new BerthError('BACKUP_INTEGRITY_FAILED', `the Berth system backup's contents are damaged: ${why}`);

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

export function packSystemBackup(
  meta: Omit<SystemBackupManifest, 'version' | 'files'>,
  files: readonly SystemBackupFile[],
): Buffer {
  for (const f of files) if (!isSafeRelativePath(f.path)) throw new Error(`not a data dir path: ${f.path}`);
  const manifest: SystemBackupManifest = {
    version: 1,
    ...meta,
    files: files.map((f) => ({
      path: f.path,
      mode: f.mode & 0o777,
      bytes: f.data.length,
      sha256: sha256(f.data),
    })),
  };
  const json = Buffer.from(JSON.stringify(manifest), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(json.length);
  return Buffer.concat([length, json, ...files.map((f) => f.data)]);
}

export function unpackSystemBackup(plain: Buffer): {
  manifest: SystemBackupManifest;
  files: SystemBackupFile[];
} {
  if (plain.length < 4) throw damaged('no manifest');
  const length = plain.readUInt32BE(0);
  if (4 + length > plain.length) throw damaged('the manifest is cut off');
  let manifest: SystemBackupManifest;
  try {
    manifest = JSON.parse(plain.subarray(4, 4 + length).toString('utf8')) as SystemBackupManifest;
  } catch {
    throw damaged('the manifest is not JSON');
  }
  if (manifest?.version !== 1 || !Array.isArray(manifest.files))
    throw damaged('the manifest is not version 1');
  let at = 4 + length;
  const seen = new Set<string>();
  const files: SystemBackupFile[] = [];
  for (const f of manifest.files) {
    if (typeof f.path !== 'string' || !isSafeRelativePath(f.path) || seen.has(f.path))
      throw damaged(`the path ${JSON.stringify(f.path)} is not a plain data dir path`);
    seen.add(f.path);
    if (!Number.isInteger(f.bytes) || f.bytes < 0 || at + f.bytes > plain.length)
      throw damaged(`${f.path} is cut off`);
    const data = plain.subarray(at, at + f.bytes);
    at += f.bytes;
    if (sha256(data) !== f.sha256) throw damaged(`${f.path} does not match its sha256`);
    files.push({ path: f.path, mode: Number.isInteger(f.mode) ? f.mode & 0o777 : 0o600, data });
  }
  if (at !== plain.length) throw damaged('there are bytes after the last file');
  return { manifest, files };
}
