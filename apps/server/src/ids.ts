import { randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

export type IdKind =
  | 'app'
  | 'rel'
  | 'dep'
  | 'job'
  | 'tok'
  | 'srv'
  | 'tm'
  | 'prj'
  | 'usr'
  | 'ses'
  | 'ott'
  | 'bld'
  | 'db'
  | 'inv'
  | 'jt'
  | 'dom'
  | 'crt'
  | 'vol'
  | 'nch'
  | 'run'
  | 'crj'
  | 'bkt'
  | 'bak'
  | 'sbk'
  | 'bks';

/** 20 base32 characters = 100 random bits: not guessable, safe in names, DNS labels and URLs. */
export function createId(kind: IdKind): string {
  const bytes = randomBytes(20);
  let out = '';
  for (const b of bytes) out += ALPHABET[b & 31];
  return `${kind}_${out}`;
}
