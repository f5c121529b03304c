import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomicSync } from '@berth/io';
import type { CliEnvironment } from './environment.js';

/**
 * Login sessions of the CLI, one per berthd URL, in ~/.config/berth/credentials.json (0600).
 * A stored session wins over the data dir's admin token, so `berth login` as another user
 * changes who the CLI acts as until `berth logout`.
 */
export interface StoredSession {
  token: string;
  email: string;
  expiresAt: string;
  /** The CA fingerprint `berth login --fingerprint` pinned for this (https) URL. */
  fingerprint?: string;
}

interface CredentialsFile {
  sessions: Record<string, StoredSession>;
}

export function credentialsPath({ env }: Pick<CliEnvironment, 'env'>): string {
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'berth', 'credentials.json');
}

function read(file: string): CredentialsFile {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<CredentialsFile>;
    return {
      sessions: typeof parsed.sessions === 'object' && parsed.sessions !== null ? parsed.sessions : {},
    };
  } catch {
    return { sessions: {} };
  }
}

function write(file: string, content: CredentialsFile): void {
  writeFileAtomicSync(file, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600, dirMode: 0o700 });
}

const key = (url: string): string => url.replace(/\/+$/, '');

export function storedSession(environment: CliEnvironment, url: string, now: number): StoredSession | null {
  const s = read(credentialsPath(environment)).sessions[key(url)];
  return s && Date.parse(s.expiresAt) > now ? s : null;
}

/**
 * The pin stored for `url`, kept after the session expires (until `berth logout`): the next
 * `berth login` to that URL trusts the same CA without being told again.
 */
export function storedFingerprint(environment: Pick<CliEnvironment, 'env'>, url: string): string | null {
  const fingerprint = read(credentialsPath(environment)).sessions[key(url)]?.fingerprint;
  return typeof fingerprint === 'string' && /^sha256:[0-9a-f]{64}$/.test(fingerprint) ? fingerprint : null;
}

export function saveSession(environment: CliEnvironment, url: string, session: StoredSession): void {
  const file = credentialsPath(environment);
  const content = read(file);
  content.sessions[key(url)] = session;
  write(file, content);
}

export function forgetSession(environment: CliEnvironment, url: string): boolean {
  const file = credentialsPath(environment);
  const content = read(file);
  if (!content.sessions[key(url)]) return false;
  delete content.sessions[key(url)];
  write(file, content);
  return true;
}
