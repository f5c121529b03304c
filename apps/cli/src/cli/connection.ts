import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseCaFingerprint } from '@berth/crypto';
import { BerthError } from '@berth/protocol';
import { storedFingerprint, storedSession } from './credentials.js';
import type { CliEnvironment } from './environment.js';

/**
 * Where berthd is and which token to use: --url/--token or BERTH_URL/BERTH_TOKEN win; then a
 * session from `berth login` for that URL; otherwise a local data dir (--data-dir,
 * BERTH_DATA_DIR, or the default) tells, as `berth up` wrote it. For an https URL, which CA to
 * trust: --fingerprint or BERTH_FINGERPRINT, else the one `berth login` pinned for that URL,
 * else the system's CAs.
 */
export interface Connection {
  url: string;
  token: string | null;
  fingerprint: string | null;
}

export interface ConnectionFlags {
  url?: string;
  token?: string;
  fingerprint?: string;
  dataDir?: string;
}

export function defaultDataDir(env: CliEnvironment['env'], isRoot: boolean): string {
  if (isRoot) return '/var/lib/berth';
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'berth');
}

export function resolveDataDir(flags: ConnectionFlags, { env, isRoot }: CliEnvironment): string {
  return flags.dataDir ?? env.BERTH_DATA_DIR ?? defaultDataDir(env, isRoot);
}

export function resolveConnection(flags: ConnectionFlags, environment: CliEnvironment): Connection {
  const { env } = environment;
  const dataDir = resolveDataDir(flags, environment);
  const url =
    flags.url ?? env.BERTH_URL ?? readTrimmed(join(dataDir, 'run', 'berthd.url')) ?? 'http://127.0.0.1:7070';
  const token =
    flags.token ??
    env.BERTH_TOKEN ??
    storedSession(environment, url, Date.now())?.token ??
    readTrimmed(join(dataDir, 'admin.token'));
  return { url, token, fingerprint: resolveFingerprint(flags, environment, url) };
}

/** A pin applies to https only: given for a plain http URL on the command line, it is a mistake. */
function resolveFingerprint(flags: ConnectionFlags, { env }: CliEnvironment, url: string): string | null {
  if (!url.startsWith('https://')) {
    if (flags.fingerprint === undefined) return null;
    throw new BerthError(
      'VALIDATION_FAILED',
      `--fingerprint pins a TLS certificate, but ${url} is plain http`,
      {
        hint: 'Use the https:// URL of the berth login line that berth up printed',
      },
    );
  }
  if (flags.fingerprint !== undefined) return parseCaFingerprint(flags.fingerprint, '--fingerprint');
  if (env.BERTH_FINGERPRINT) return parseCaFingerprint(env.BERTH_FINGERPRINT, 'BERTH_FINGERPRINT');
  return storedFingerprint({ env }, url);
}

function readTrimmed(file: string): string | null {
  try {
    return readFileSync(file, 'utf8').trim() || null;
  } catch {
    return null;
  }
}
