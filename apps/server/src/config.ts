import { fileURLToPath } from 'node:url';
import {
  DEFAULT_MESH_SUBNET,
  parseIpAddress,
  parseMeshSubnet,
  parsePublicUrl,
  parseRegistryUrl,
} from '@berth/core';
import { parseRegistryListen } from '@berth/engine';
import type { ExternalRegistrySettings } from './registry/external-registry.js';
import { DOMAIN_PATTERN } from '@berth/protocol';
import { BerthError } from '@berth/protocol';

/** berthd's configuration, parsed once from its environment into a frozen object. */
/**
 * How berthd serves its API beyond loopback. `off`: it listens on 127.0.0.1 or ::1 only, plain
 * HTTP. `internal`: HTTPS with a certificate from berthd's own CA (made on first start in the
 * data dir), renewed before it expires. `given`: HTTPS with the operator's certificate files,
 * reloaded when they change.
 */
export type ServerTlsConfig =
  | { kind: 'off' }
  | { kind: 'internal'; certLifetimeMs: number }
  | { kind: 'given'; certFile: string; keyFile: string };

export interface ServerConfig {
  dataDir: string;
  /** The dashboard's build (BERTHD_WEB_DIR; apps/web/dist of this checkout by default). */
  webDir: string;
  /** An IP address (BERTHD_HOST): 127.0.0.1 by default; 0.0.0.0 or :: for every address. */
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
  /** The host of publicUrl (a DNS name or an IP address): the serving certificate names it too. */
  publicHost: string | null;
  tls: ServerTlsConfig;
  /** Long-lived streams (log follows, build logs, deployment events) one user or token may hold open. */
  maxStreamsPerPrincipal: number;
  /** Long-lived streams berthd holds open in all. */
  maxStreams: number;
  /**
   * Directories of this machine whose git repositories any team may build from (`berth up
   * --allow-local-sources DIR`); other local paths and file:// URLs are the installation owners'.
   */
  allowLocalSources: readonly string[];
  /**
   * `IP:PORT` where berthd runs the fleet's image registry (BERTHD_REGISTRY_LISTEN; the servers'
   * private network), or null for none: then each server must find every image itself.
   */
  registryListen: string | null;
  /**
   * An external registry instead (BERTHD_REGISTRY_URL, _USERNAME, _PASSWORD_FILE): images are
   * pushed under the URL's namespace with one login. Null: none (or berthd's own).
   */
  externalRegistry: ExternalRegistrySettings | null;
  /** The private IPv4 range berthd gives the servers' WireGuard addresses from (BERTHD_MESH_SUBNET). */
  meshSubnet: string;
  /**
   * berthd as the fleet's ACME client (BERTHD_ACME_EMAIL, _DIRECTORY, _CA_CERT): every custom
   * domain gets a certificate from that CA. Null (no email): domains wait for `berth certs add`.
   */
  acme: AcmeSettings | null;
  /**
   * BERTHD_DNS_RESOLVER (`IP[:port]`): where `berth domains check` resolves names instead of the
   * system's resolver (a split-horizon DNS, or a test's).
   */
  dnsResolver: string | null;
}

/** Let's Encrypt's production directory: what `--acme-directory` defaults to. */
export const LETS_ENCRYPT_DIRECTORY = 'https://acme-v02.api.letsencrypt.org/directory';

export interface AcmeSettings {
  email: string;
  directoryUrl: string;
  /** A file holding the CA certificate to trust for the directory's HTTPS (a private CA), or null. */
  caCertFile: string | null;
  /**
   * BERTHD_DNS_PROVIDER_FILE: JSON settings of the DNS provider DNS-01 goes through (wildcard
   * domains), read when the first order needs them; null: HTTP-01 only, no wildcards.
   */
  dnsProviderFile: string | null;
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
  const listenHost = get('BERTHD_HOST') ?? '127.0.0.1';
  const ip = parseIpAddress(listenHost);
  if (!ip)
    throw configError('BERTHD_HOST', `must be an IP address (0.0.0.0 or :: for all), got "${listenHost}"`);
  const publicUrl = get('BERTHD_PUBLIC_URL');
  const parsedUrl =
    publicUrl === undefined
      ? null
      : withKey('BERTHD_PUBLIC_URL', () => parsePublicUrl(publicUrl, 'BERTHD_PUBLIC_URL'));
  const level = get('BERTHD_LOG_LEVEL') ?? 'info';
  if (!(LEVELS as readonly string[]).includes(level))
    throw configError('BERTHD_LOG_LEVEL', `must be one of ${LEVELS.join(', ')}`);
  return Object.freeze({
    dataDir: required('BERTHD_DATA_DIR'),
    listenHost: ip.address,
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
    publicUrl: parsedUrl?.href ?? null,
    publicHost: parsedUrl?.host ?? null,
    tls: tlsConfig(ip.address, get, int),
    maxStreamsPerPrincipal: int('BERTHD_MAX_STREAMS_PER_PRINCIPAL', 32, 1, 10_000),
    maxStreams: int('BERTHD_MAX_STREAMS', 256, 1, 100_000),
    allowLocalSources: allowedDirs(get('BERTHD_ALLOW_LOCAL_SOURCES')),
    registryListen: registryListen(get('BERTHD_REGISTRY_LISTEN')),
    externalRegistry: externalRegistry(get),
    meshSubnet: meshSubnet(get('BERTHD_MESH_SUBNET')),
    acme: acmeSettings(get),
    dnsResolver: get('BERTHD_DNS_RESOLVER') ?? null,
    webDir: get('BERTHD_WEB_DIR') ?? fileURLToPath(new URL('../../web/dist/', import.meta.url)),
  });
}

function registryListen(value: string | undefined): string | null {
  if (value === undefined || value === 'off') return null;
  withKey('BERTHD_REGISTRY_LISTEN', () => parseRegistryListen(value));
  return value;
}

function externalRegistry(get: (key: string) => string | undefined): ExternalRegistrySettings | null {
  const url = get('BERTHD_REGISTRY_URL');
  if (url === undefined) return null;
  const listen = get('BERTHD_REGISTRY_LISTEN');
  if (listen !== undefined && listen !== 'off')
    throw new BerthError(
      'VALIDATION_FAILED',
      'BERTHD_REGISTRY_URL and BERTHD_REGISTRY_LISTEN exclude each other',
      {
        hint: 'Either berthd runs the registry (--registry-listen) or it uses yours (--registry URL).',
      },
    );
  const username = get('BERTHD_REGISTRY_USERNAME');
  const passwordFile = get('BERTHD_REGISTRY_PASSWORD_FILE');
  if (username === undefined || passwordFile === undefined || !passwordFile.startsWith('/'))
    throw new BerthError(
      'VALIDATION_FAILED',
      'BERTHD_REGISTRY_URL needs BERTHD_REGISTRY_USERNAME and BERTHD_REGISTRY_PASSWORD_FILE (an absolute path)',
    );
  return { ...withKey('BERTHD_REGISTRY_URL', () => parseRegistryUrl(url)), username, passwordFile };
}

function meshSubnet(value: string | undefined): string {
  if (value === undefined) return DEFAULT_MESH_SUBNET;
  withKey('BERTHD_MESH_SUBNET', () => parseMeshSubnet(value));
  return value;
}

/** Plain HTTP is for the loopback address the local parts use; anything else is HTTPS. */
const PLAIN_HOSTS = new Set(['127.0.0.1', '::1']);
const DAY_MS = 24 * 3_600_000;

function tlsConfig(
  listenHost: string,
  get: (key: string) => string | undefined,
  int: (key: string, fallback: number, min: number, max: number) => number,
): ServerTlsConfig {
  const certFile = get('BERTHD_TLS_CERT');
  const keyFile = get('BERTHD_TLS_KEY');
  if ((certFile === undefined) !== (keyFile === undefined))
    throw configError(
      certFile === undefined ? 'BERTHD_TLS_CERT' : 'BERTHD_TLS_KEY',
      'must be set with its pair (BERTHD_TLS_CERT and BERTHD_TLS_KEY)',
    );
  for (const [key, file] of [
    ['BERTHD_TLS_CERT', certFile],
    ['BERTHD_TLS_KEY', keyFile],
  ] as const)
    if (file !== undefined && !file.startsWith('/'))
      throw configError(key, `must be an absolute path, got "${file}"`);
  // Read (and so checked) even when unused: a bad value is an error wherever it is set.
  const certLifetimeMs = int('BERTHD_TLS_CERT_LIFETIME_MS', 7 * DAY_MS, 5_000, 90 * DAY_MS);
  if (PLAIN_HOSTS.has(listenHost)) {
    if (certFile !== undefined)
      throw configError(
        'BERTHD_TLS_CERT',
        'is for an API reachable beyond loopback: set BERTHD_HOST to the address to serve it on',
      );
    return { kind: 'off' };
  }
  if (certFile !== undefined && keyFile !== undefined) return { kind: 'given', certFile, keyFile };
  return { kind: 'internal', certLifetimeMs };
}

/** Runs a parser whose BerthError names its own setting, so it names the variable for config. */
function withKey<T>(key: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof BerthError) throw configError(key, err.message.replace(`${key} `, ''));
    throw err;
  }
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

const EMAIL = /^[^\s@"<>]{1,64}@[a-z0-9.-]{1,253}$/i;

function acmeSettings(get: (key: string) => string | undefined): AcmeSettings | null {
  const email = get('BERTHD_ACME_EMAIL');
  const directory = get('BERTHD_ACME_DIRECTORY');
  const caCertFile = get('BERTHD_ACME_CA_CERT') ?? null;
  const dnsProviderFile = get('BERTHD_DNS_PROVIDER_FILE') ?? null;
  if (email === undefined) {
    if (directory !== undefined || caCertFile !== null || dnsProviderFile !== null)
      throw configError(
        'BERTHD_ACME_EMAIL',
        'is required with BERTHD_ACME_DIRECTORY, BERTHD_ACME_CA_CERT or BERTHD_DNS_PROVIDER_FILE',
      );
    return null;
  }
  if (!EMAIL.test(email)) throw configError('BERTHD_ACME_EMAIL', `must be an email address, got "${email}"`);
  const directoryUrl = directory ?? LETS_ENCRYPT_DIRECTORY;
  let url: URL;
  try {
    url = new URL(directoryUrl);
  } catch {
    throw configError('BERTHD_ACME_DIRECTORY', `must be a URL, got "${directoryUrl}"`);
  }
  if (url.protocol !== 'https:') throw configError('BERTHD_ACME_DIRECTORY', 'must be an https:// URL');
  if (caCertFile !== null && !caCertFile.startsWith('/'))
    throw configError('BERTHD_ACME_CA_CERT', 'must be an absolute path');
  if (dnsProviderFile !== null && !dnsProviderFile.startsWith('/'))
    throw configError('BERTHD_DNS_PROVIDER_FILE', 'must be an absolute path');
  return { email, directoryUrl, caCertFile, dnsProviderFile };
}
