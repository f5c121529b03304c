/**
 * Reaching Berth from other machines: `--api-host`, `--public-url`, `--tls-cert`/`--tls-key`,
 * checked here before anything starts, and the lines of the banner that tell a remote user how
 * to log in.
 */
import { access, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { isWildcardAddress, parseIpAddress, parsePublicUrl } from '@berth/core';
import { publicKeyFingerprint } from '@berth/crypto';
import { EXIT } from '../../cli/exit-codes.js';
import { CliError } from '../../cli/output.js';

export interface RemoteFlags {
  apiHost: string;
  publicUrl?: string;
  tlsCert?: string;
  tlsKey?: string;
}

export interface RemoteSettings {
  /** The address berthd listens on (canonical). */
  apiHost: string;
  /** berthd serves HTTPS there (every address but 127.0.0.1 and ::1, which stay plain HTTP). */
  tls: boolean;
  publicUrl: string | null;
  /** Absolute paths of a given certificate and key; null: Berth's internal CA. */
  given: { cert: string; key: string } | null;
}

/** The loopback addresses the local parts use, where berthd stays plain HTTP. */
const PLAIN_HOSTS = new Set(['127.0.0.1', '::1']);

export async function parseRemoteFlags(flags: RemoteFlags): Promise<RemoteSettings> {
  const ip = parseIpAddress(flags.apiHost);
  if (!ip)
    throw new CliError(
      `--api-host must be an IP address of this machine, got "${flags.apiHost}"`,
      EXIT.userError,
      'For example --api-host 0.0.0.0 (every address), or one address such as 192.0.2.10',
    );
  const tls = !PLAIN_HOSTS.has(ip.address);
  const publicUrl =
    flags.publicUrl === undefined ? null : parsePublicUrl(flags.publicUrl, '--public-url').href;
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined))
    throw new CliError('--tls-cert and --tls-key go together', EXIT.userError);
  let given: RemoteSettings['given'] = null;
  if (flags.tlsCert !== undefined && flags.tlsKey !== undefined) {
    if (!tls)
      throw new CliError(
        '--tls-cert is for an API reachable from other machines',
        EXIT.userError,
        'Add --api-host 0.0.0.0 (or the address to serve on)',
      );
    given = { cert: resolve(flags.tlsCert), key: resolve(flags.tlsKey) };
    for (const [flag, file] of [
      ['--tls-cert', given.cert],
      ['--tls-key', given.key],
    ] as const) {
      await access(file).catch(() => {
        throw new CliError(`${flag} ${file} cannot be read`, EXIT.userError);
      });
    }
  }
  return { apiHost: ip.address, tls, publicUrl, given };
}

/** How a remote user reaches the API: the public URL, else the listen address (the host's name for a wildcard). */
export function remoteUrl(settings: RemoteSettings, port: number): string {
  if (settings.publicUrl) return settings.publicUrl;
  const host = isWildcardAddress(settings.apiHost) ? hostname() : settings.apiHost;
  return `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The banner's lines for remote use; none while berthd is on loopback only and has no public URL. */
export async function remoteBannerLines(
  settings: RemoteSettings,
  port: number,
  caCertFile: string,
): Promise<{ summary: string[]; login: string[] }> {
  if (!settings.tls) {
    if (!settings.publicUrl) return { summary: [], login: [] };
    return { summary: [`  Public   ${settings.publicUrl} (webhook URLs)`], login: [] };
  }
  const url = remoteUrl(settings, port);
  if (settings.given) {
    return {
      summary: [`  Remote   ${url} (HTTPS with ${settings.given.cert})`],
      login: ['From another machine:', `  berth login --url ${url}`],
    };
  }
  const fingerprint = publicKeyFingerprint(await readFile(caCertFile, 'utf8'));
  return {
    summary: [`  Remote   ${url} (HTTPS from Berth's own CA, ${caCertFile})`],
    login: [
      "From another machine (the fingerprint pins Berth's CA; pass it on out of band):",
      `  berth login --url ${url} --fingerprint ${fingerprint}`,
    ],
  };
}
