/**
 * How the client reaches one berthd, safely: plain HTTP only to this machine; HTTPS verified
 * against the system's CAs (a publicly trusted certificate), or — with a pinned fingerprint —
 * against exactly the berthd CA that has that public key. The pinned CA is found on first use
 * (fetchPinnedCa, as kubeadm does) and every connection after is verified by TLS against it:
 * chain, validity and host name. undici (its fetch with an Agent that trusts that CA) is
 * loaded only then, so local commands do not pay for it.
 */
import { fetchPinnedCa, PinnedCaError } from '@berth/crypto';
import { isLoopbackHost } from '@berth/core';
import { ApiError } from './errors.js';

export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

export interface BerthdTarget {
  /** berthd's base URL, e.g. https://berth.example.com:7070 */
  url: string;
  /** `sha256:<hex>` of berthd's CA key, as parseCaFingerprint returns it; null: the system's CAs. */
  fingerprint?: string | null;
}

const untrusted = (message: string, hint: string): ApiError =>
  new ApiError(0, 'UNTRUSTED', message, hint, [], undefined);

/** A fetch for `target` that refuses to talk to it unsafely (ApiError UNTRUSTED, before any byte is sent). */
export function createBerthdFetch(target: BerthdTarget): Fetch {
  let url: URL;
  try {
    url = new URL(target.url);
  } catch {
    return refuse(
      new ApiError(
        0,
        'UNREACHABLE',
        `"${target.url}" is not a URL`,
        'Check BERTH_URL or --url',
        [],
        undefined,
      ),
    );
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const fingerprint = target.fingerprint ?? null;
  if (url.protocol === 'http:') {
    if (fingerprint)
      return refuse(
        untrusted(
          `A CA fingerprint pins a TLS certificate, but ${url.origin} is plain http`,
          `Use the https:// URL that berth up printed`,
        ),
      );
    if (!isLoopbackHost(host))
      return refuse(
        untrusted(
          `Refusing to send credentials over plain http to ${url.origin}: only this machine is reached without TLS`,
          'Use https://HOST:PORT, with --fingerprint sha256:… as berth up printed it',
        ),
      );
    return globalThis.fetch;
  }
  if (!fingerprint) return withCertificateHints(globalThis.fetch, url.origin, false);
  let pinned: Promise<Fetch> | null = null;
  const port = url.port ? Number(url.port) : 443;
  return async (input, init) => {
    pinned ??= pinnedFetch(host, port, fingerprint).catch((err: unknown) => {
      pinned = null; // a later call (a long-lived agent) tries again
      throw err;
    });
    return (await pinned)(input, init);
  };
}

function refuse(err: ApiError): Fetch {
  return () => Promise.reject(err);
}

async function pinnedFetch(host: string, port: number, fingerprint: string): Promise<Fetch> {
  let ca: string;
  try {
    ca = await fetchPinnedCa({ host, port, fingerprint });
  } catch (err) {
    if (err instanceof PinnedCaError && err.kind === 'mismatch')
      throw untrusted(
        err.message,
        'Check the fingerprint: berth up prints it on the server. A different one means another server, or someone in between',
      );
    // Nothing listening, or no TLS: the same answer as any unreachable berthd (as fetch says it).
    throw new Error('fetch failed', { cause: err });
  }
  const undici = await import('undici');
  const dispatcher = new undici.Agent({ connect: { ca } });
  const pinnedFetch = (input: string, init: RequestInit): Promise<Response> =>
    // undici declares the same WHATWG types as Node's globals, apart.
    undici.fetch(input, { ...init, dispatcher } as Parameters<typeof undici.fetch>[1]);
  return withCertificateHints(pinnedFetch, `https://${host}:${port}`, true);
}

/** TLS errors that mean "not this server, or not safely": certificate, chain or name. */
const CERTIFICATE_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_|ERR_TLS_|ALTNAME/;

function withCertificateHints(fetch: Fetch, origin: string, pinned: boolean): Fetch {
  return (input, init) =>
    fetch(input, init).catch((err: unknown) => {
      const cause = err instanceof Error && err.cause instanceof Error ? err.cause : null;
      const code = (cause as { code?: unknown } | null)?.code;
      if (typeof code !== 'string' || !CERTIFICATE_ERROR.test(code)) throw err;
      throw untrusted(
        `berthd's certificate at ${origin} did not verify (${code}: ${cause?.message ?? ''})`,
        pinned
          ? 'The certificate is not one the pinned CA made for this address: use the URL berth up printed, or add the name with berth up --public-url'
          : 'If berthd uses its own CA, pass --fingerprint sha256:… (berth up prints it) or set BERTH_FINGERPRINT',
      );
    });
}
