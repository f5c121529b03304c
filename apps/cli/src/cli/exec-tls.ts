import { ApiError } from '@berth/client';
import { isLoopbackHost } from '@berth/core';
import { fetchPinnedCa, PinnedCaError } from '@berth/crypto';
import type { Connection } from './connection.js';

/**
 * The exec WebSocket trusts berthd as the HTTP client does (@berth/client's tls.ts): plain
 * ws:// only to this machine; wss:// verified against the system's CAs, or — with a pinned
 * fingerprint — against exactly the berthd CA with that key. Refusals come before any byte of
 * the request (and so before the token) is sent.
 */
export async function execTlsOptions(conn: Connection): Promise<{ ca?: string }> {
  const url = new URL(conn.url);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (url.protocol === 'http:') {
    if (conn.fingerprint)
      throw untrusted(
        `A CA fingerprint pins a TLS certificate, but ${url.origin} is plain http`,
        'Use the https:// URL that berth up printed',
      );
    if (!isLoopbackHost(host))
      throw untrusted(
        `Refusing to send credentials over plain http to ${url.origin}: only this machine is reached without TLS`,
        'Use https://HOST:PORT, with --fingerprint sha256:… as berth up printed it',
      );
    return {};
  }
  if (!conn.fingerprint) return {};
  const port = url.port ? Number(url.port) : 443;
  try {
    return { ca: await fetchPinnedCa({ host, port, fingerprint: conn.fingerprint }) };
  } catch (err) {
    if (err instanceof PinnedCaError && err.kind === 'mismatch')
      throw untrusted(
        err.message,
        'Check the fingerprint: berth up prints it on the server. A different one means another server, or someone in between',
      );
    throw new ApiError(
      0,
      'UNREACHABLE',
      `Cannot reach berthd at ${url.origin} (${err instanceof Error ? err.message : String(err)})`,
      'Is `berth up` running? Check BERTH_URL or --url',
      [],
      undefined,
    );
  }
}

const untrusted = (message: string, hint: string): ApiError =>
  new ApiError(0, 'UNTRUSTED', message, hint, [], undefined);
