/**
 * DNS-01 through Cloudflare's API v4: the zone found by name (or given), a TXT record created
 * for the challenge and deleted by its id afterwards. The token goes in one header only, never in
 * a URL or a message; redirects are refused so it cannot follow one elsewhere.
 */
import { BerthError, type CloudflareSettings } from '@berth/protocol';
import type { Dns01Port } from '../types.js';
import type { ProviderContext } from './provider-context.js';
import { selfAndAncestors, toTxtRecord, type TxtRecord } from './record.js';
import { CHALLENGE_TTL_S } from './rfc2136-message.js';
import { waitUntilVisible } from './visibility.js';

const MAX_BODY = 1 << 20;
/** "An identical record already exists": publishing twice is no error. */
const CF_RECORD_EXISTS = 81057;
const CF_AUTH_CODES = new Set([9103, 9106, 9109, 10000]);

interface CfError {
  code: number;
  message: string;
}

interface CfCall {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path below the API URL, with its query; every user value in it already encoded. */
  path: string;
  body?: object;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function readErrors(body: unknown): CfError[] {
  const errors = isRecord(body) && Array.isArray(body.errors) ? (body.errors as unknown[]) : [];
  return errors.filter(isRecord).map((e) => ({
    code: typeof e.code === 'number' ? e.code : 0,
    message: typeof e.message === 'string' ? e.message.slice(0, 300) : '',
  }));
}

class CloudflareCallError extends BerthError {
  constructor(
    what: string,
    readonly httpStatus: number,
    readonly errors: CfError[],
  ) {
    const said =
      errors.length > 0 ? errors.map((e) => `${e.code} ${e.message}`).join('; ') : 'no error given';
    const auth = httpStatus === 401 || httpStatus === 403 || errors.some((e) => CF_AUTH_CODES.has(e.code));
    super('DNS_PROVIDER_FAILED', `Cloudflare API ${what} failed: HTTP ${httpStatus}: ${said}`, {
      ...(auth
        ? {
            hint: 'Check the API token: it needs Zone:DNS:Edit (and Zone:Read without a zoneId) for this zone.',
          }
        : {}),
    });
  }
}

export function createCloudflareProvider(settings: CloudflareSettings, context: ProviderContext): Dns01Port {
  const base = settings.apiUrl.replace(/\/+$/, '');
  const call = async (c: CfCall): Promise<unknown> => {
    const what = `${c.method} ${c.path.split('?')[0] ?? ''}`;
    const res = await fetch(`${base}${c.path}`, {
      method: c.method,
      redirect: 'error',
      headers: {
        authorization: `Bearer ${settings.apiToken}`,
        ...(c.body ? { 'content-type': 'application/json' } : {}),
      },
      ...(c.body ? { body: JSON.stringify(c.body) } : {}),
      signal: AbortSignal.timeout(context.requestTimeoutMs),
    }).catch((e: unknown) => {
      throw new BerthError('DNS_PROVIDER_FAILED', `Cloudflare API ${what} failed: ${errorText(e)}`, {
        hint: `Check that ${base} is reachable from this machine.`,
        cause: e,
      });
    });
    const text = await readBounded(res);
    let body: unknown = null;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON (a proxy's error page): reported by status below.
    }
    if (!res.ok || !isRecord(body) || body.success !== true)
      throw new CloudflareCallError(what, res.status, readErrors(body));
    return body.result;
  };

  const zoneIds = new Map<string, string>();
  const zoneOf = async (record: TxtRecord): Promise<string> => {
    if (settings.zoneId) return settings.zoneId;
    // Not a TLD, and not a `_label` name (`_acme-challenge.…`): no zone is named so.
    const candidates = selfAndAncestors(record.fqdn)
      .slice(0, -1)
      .filter((c) => !c.startsWith('_'));
    // A zone found before serves every name beneath it without asking again.
    const known = candidates.map((c) => zoneIds.get(c)).find((id) => id !== undefined);
    if (known) return known;
    for (const candidate of candidates) {
      const found = await call({ method: 'GET', path: `/zones?name=${encodeURIComponent(candidate)}` });
      const id = Array.isArray(found) ? idOf(found.find((z) => isRecord(z) && z.name === candidate)) : null;
      if (id) {
        zoneIds.set(candidate, id);
        return id;
      }
    }
    throw new BerthError(
      'DNS_PROVIDER_FAILED',
      `Cloudflare has no zone holding ${record.fqdn} for this API token.`,
      {
        hint: 'Add the domain to the Cloudflare account, give the token Zone:Read on it, or set zoneId.',
      },
    );
  };

  /** Ids of the records this provider created, so withdraw deletes exactly those. */
  const created = new Map<string, string>();
  const keyOf = (r: TxtRecord): string => `${r.fqdn} ${r.value}`;

  const findRecordIds = async (zone: string, record: TxtRecord): Promise<string[]> => {
    const list = await call({
      method: 'GET',
      path: `/zones/${zone}/dns_records?type=TXT&name=${encodeURIComponent(record.fqdn)}&per_page=100`,
    });
    // Cloudflare may return TXT content with its quotes.
    const matches = (content: unknown): boolean =>
      content === record.value || content === `"${record.value}"`;
    return (Array.isArray(list) ? list : [])
      .filter((r) => isRecord(r) && r.name === record.fqdn && matches(r.content))
      .map(idOf)
      .filter((id): id is string => id !== null);
  };

  return {
    publish: async (fqdn, value) => {
      const record = toTxtRecord(fqdn, value);
      const zone = await zoneOf(record);
      try {
        const result = await call({
          method: 'POST',
          path: `/zones/${zone}/dns_records`,
          body: { type: 'TXT', name: record.fqdn, content: record.value, ttl: CHALLENGE_TTL_S },
        });
        const id = idOf(result);
        if (id) created.set(keyOf(record), id);
      } catch (e) {
        if (!(e instanceof CloudflareCallError && e.errors.some((x) => x.code === CF_RECORD_EXISTS))) throw e;
      }
      await waitUntilVisible(record, context);
    },
    withdraw: async (fqdn, value) => {
      const record = toTxtRecord(fqdn, value);
      const zone = await zoneOf(record);
      const known = created.get(keyOf(record));
      const ids = known ? [known] : await findRecordIds(zone, record);
      for (const id of ids)
        await call({ method: 'DELETE', path: `/zones/${zone}/dns_records/${encodeURIComponent(id)}` });
      created.delete(keyOf(record));
    },
  };
}

function idOf(value: unknown): string | null {
  return isRecord(value) && typeof value.id === 'string' && /^[A-Za-z0-9]{1,64}$/.test(value.id)
    ? value.id
    : null;
}

const errorText = (e: unknown): string => {
  const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : '';
  return `${e instanceof Error ? e.message : String(e)}${cause}`;
};

/** The body as text, at most MAX_BODY bytes of it: an answer is small, whatever a server sends. */
async function readBounded(res: Response): Promise<string> {
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const body: ReadableStream<Uint8Array> = res.body;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
      if (size > MAX_BODY) break;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, MAX_BODY).toString('utf8');
}
