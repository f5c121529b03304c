import { BerthError } from '@berth/protocol';
import { HOST_NAME_PATTERN, isLoopbackHost, parseIpAddress } from './addresses.js';

/** How the world reaches berthd (`berth up --public-url`): webhook and setup URLs start with it. */
export interface PublicUrl {
  /** The URL as given, without a trailing slash. */
  href: string;
  /** The host name or IP address (IPv6 without brackets), lowercase. */
  host: string;
  port: number;
  secure: boolean;
}

const PATH = /^(?:\/[A-Za-z0-9._~-]+)*\/?$/;

/**
 * Reads a public URL: https, or http only for this machine itself (a token or a password sent
 * over plain HTTP to another host can be read on the way). No user info, query or fragment.
 * `what` names the setting in the error (a flag or a variable).
 */
export function parsePublicUrl(raw: string, what: string): PublicUrl {
  const fail = (why: string): BerthError =>
    new BerthError('VALIDATION_FAILED', `${what} ${why}, got "${raw}"`, {
      issues: [{ path: what, message: why }],
      hint: 'For example: https://berth.example.com or https://203.0.113.7:7070',
    });
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw fail('must be an http(s) URL like https://berth.example.com');
  }
  const secure = url.protocol === 'https:';
  if (!secure && url.protocol !== 'http:')
    throw fail('must be an http(s) URL like https://berth.example.com');
  if (url.username || url.password || url.search || url.hash || raw.includes('?') || raw.includes('#'))
    throw fail('must not carry a user, a query or a fragment');
  if (!PATH.test(url.pathname)) throw fail('has a path Berth cannot use');
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (!parseIpAddress(host) && !HOST_NAME_PATTERN.test(host))
    throw fail('must name a DNS host or an IP address');
  if (!secure && !isLoopbackHost(host))
    throw fail('must be https: plain http is only for this machine (localhost, 127.0.0.1)');
  const port = url.port ? Number(url.port) : secure ? 443 : 80;
  return { href: raw.replace(/\/+$/, ''), host, port, secure };
}
