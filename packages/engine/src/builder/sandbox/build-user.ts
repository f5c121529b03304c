/**
 * The build user: an unprivileged system account that owns the builder's storage and whose
 * subordinate id ranges (/etc/subuid, /etc/subgid) give build steps the uids a container image
 * needs, none of which is a host user. Parsers here are pure; ./builder-host.ts reads the files
 * and runs useradd/usermod.
 */
import type { IdRange } from './sandbox-plan.js';

export const DEFAULT_BUILD_USER = 'berth-build';
/** The builder's state: outside any data dir, as the build user must be able to pass through its parents. */
export const DEFAULT_BUILDER_DIR = '/var/lib/berth-builder';
export const BUILD_USER_PATTERN = /^[a-z_][a-z0-9_-]{0,30}$/;
export const SUBORDINATE_COUNT = 65536;
/** Where shadow-utils starts allocating; ranges below are left to it and to the host's users. */
const FIRST_SUBORDINATE = 100000;

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
}

export function findPasswdEntry(passwd: string, name: string): PasswdEntry | null {
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f[0] !== name || f.length < 4) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (Number.isInteger(uid) && Number.isInteger(gid)) return { name, uid, gid };
  }
  return null;
}

/** The first range of at least SUBORDINATE_COUNT ids for the user (by name or uid), or null. */
export function findSubordinateRange(text: string, user: PasswdEntry): IdRange | null {
  for (const line of text.split('\n')) {
    const [owner, start, count] = line.trim().split(':');
    if (owner !== user.name && owner !== String(user.uid)) continue;
    const range = { start: Number(start), count: Number(count) };
    if (Number.isInteger(range.start) && range.start > 0 && range.count >= SUBORDINATE_COUNT) return range;
  }
  return null;
}

/** A free range start after every range listed in the given /etc/subuid and /etc/subgid texts. */
export function nextFreeSubordinateStart(texts: readonly string[]): number {
  let end = FIRST_SUBORDINATE;
  for (const text of texts) {
    for (const line of text.split('\n')) {
      const [, start, count] = line.trim().split(':');
      const s = Number(start);
      const c = Number(count);
      if (Number.isInteger(s) && Number.isInteger(c) && s + c > end) end = s + c;
    }
  }
  return end;
}
