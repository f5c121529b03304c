import { DOMAIN_PATTERN } from '@berth/protocol';
import { BerthError } from '@berth/protocol';

/** berthd's configuration, parsed once from its environment into a frozen object. */
export interface ServerConfig {
  dataDir: string;
  listenHost: string;
  listenPort: number;
  /** Base domain apps are served under: `<app>.<domain>`. */
  domain: string;
  /** The public HTTP port of the proxy, for app URLs. */
  httpPort: number;
  /** File holding the public key of the agent `berth up` runs beside berthd; trusted on first contact. */
  localAgentKeyFile: string | null;
  drainTimeoutMs: number;
  stopTimeoutMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** BERTH_MASTER_KEY: when set, the only master key (base64 of 32 bytes); else <data-dir>/master.key. */
  masterKey: string | undefined;
  /** A build running longer fails with BUILD_TIMEOUT. */
  buildTimeoutMs: number;
  /** The largest directory upload (`berth deploy --from-dir`) accepted, as a tar. */
  maxUploadBytes: number;
  /** How webhooks and agents reach this API, for the URLs it hands out (`berth webhooks show`). */
  publicUrl: string | null;
  /** Long-lived streams (log follows, build logs, deployment events) one user or token may hold open. */
  maxStreamsPerPrincipal: number;
  /** Long-lived streams berthd holds open in all. */
  maxStreams: number;
  /**
   * Directories of this machine whose git repositories any team may build from (`berth up
   * --allow-local-sources DIR`); other local paths and file:// URLs are the installation owners'.
   */
  allowLocalSources: readonly string[];
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function parseServerConfig(env: Readonly<Record<string, string | undefined>>): Readonly<ServerConfig> {
  const get = (key: string): string | undefined => {
    const v = env[key];
    return v === undefined || v === '' ? undefined : v;
  };
  const required = (key: string): string => {
    const v = get(key);
    if (v === undefined) throw configError(key, 'is required');
    return v;
  };
  const int = (key: string, fallback: number, min: number, max: number): number => {
    const raw = get(key);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max)
      throw configError(key, `must be an integer from ${min} to ${max}, got "${raw}"`);
    return n;
  };
  const domain = get('BERTHD_DOMAIN') ?? 'localhost';
  if (!DOMAIN_PATTERN.test(domain))
    throw configError('BERTHD_DOMAIN', `must be a lowercase DNS name, got "${domain}"`);
  const level = get('BERTHD_LOG_LEVEL') ?? 'info';
  if (!(LEVELS as readonly string[]).includes(level))
    throw configError('BERTHD_LOG_LEVEL', `must be one of ${LEVELS.join(', ')}`);
  return Object.freeze({
    dataDir: required('BERTHD_DATA_DIR'),
    listenHost: get('BERTHD_HOST') ?? '127.0.0.1',
    listenPort: int('BERTHD_PORT', 7070, 0, 65535),
    domain,
    httpPort: int('BERTHD_HTTP_PORT', 80, 1, 65535),
    localAgentKeyFile: get('BERTHD_LOCAL_AGENT_KEY') ?? null,
    drainTimeoutMs: int('BERTHD_DRAIN_TIMEOUT_MS', 30_000, 0, 3_600_000),
    stopTimeoutMs: int('BERTHD_STOP_TIMEOUT_MS', 10_000, 0, 600_000),
    logLevel: level as ServerConfig['logLevel'],
    masterKey: get('BERTH_MASTER_KEY'),
    buildTimeoutMs: int('BERTHD_BUILD_TIMEOUT_MS', 30 * 60_000, 1000, 24 * 3_600_000),
    maxUploadBytes: int('BERTHD_MAX_UPLOAD_BYTES', 200 * 1024 * 1024, 1024, 4 * 1024 * 1024 * 1024),
    publicUrl: publicUrl(get('BERTHD_PUBLIC_URL')),
    maxStreamsPerPrincipal: int('BERTHD_MAX_STREAMS_PER_PRINCIPAL', 32, 1, 10_000),
    maxStreams: int('BERTHD_MAX_STREAMS', 256, 1, 100_000),
    allowLocalSources: allowedDirs(get('BERTHD_ALLOW_LOCAL_SOURCES')),
  });
}

function publicUrl(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  if (!/^https?:\/\/[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:\/[A-Za-z0-9._~-]+)*\/?$/.test(raw))
    throw configError(
      'BERTHD_PUBLIC_URL',
      `must be an http(s) URL like https://berth.example.com, got "${raw}"`,
    );
  return raw.replace(/\/$/, '');
}

/** A colon-separated list of absolute directories, as PATH is written. */
function allowedDirs(raw: string | undefined): readonly string[] {
  if (raw === undefined) return Object.freeze([]);
  const dirs = raw.split(':').filter((d) => d !== '');
  for (const dir of dirs) {
    const segments = dir.split('/').slice(1);
    if (
      !dir.startsWith('/') ||
      dir === '/' ||
      dir.includes('\0') ||
      segments.some((s) => s === '.' || s === '..')
    )
      throw configError(
        'BERTHD_ALLOW_LOCAL_SOURCES',
        `must be absolute directories (not /) separated by ":", without . or .. segments; got "${dir}"`,
      );
  }
  return Object.freeze(dirs.map((d) => (d.length > 1 ? d.replace(/\/+$/, '') : d)));
}

const configError = (key: string, what: string): BerthError =>
  new BerthError('VALIDATION_FAILED', `Configuration ${key} ${what}`, {
    issues: [{ path: key, message: what }],
  });
