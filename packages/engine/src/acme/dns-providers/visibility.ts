/**
 * Waiting until a written TXT record shows at the servers the CA will ask: the zone's
 * authoritative name servers, asked directly (never a cache, which could hold the old answer for
 * the record's negative TTL). Bounded: a record that never shows is an error naming the record,
 * the servers that lack it and what they said instead.
 */
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { BerthError } from '@berth/protocol';
import { queryTxt, rcodeName } from './dns-query.js';
import { resolveDnsServer, type DnsServer } from './dns-transport.js';
import type { ProviderContext } from './provider-context.js';
import { selfAndAncestors, toTxtRecord, type TxtRecord } from './record.js';

export interface WaitForTxtOptions {
  fqdn: string;
  value: string;
  /** `IP`, `IP:port`, `[IPv6]:port` or `host[:port]`: every one must show the value. */
  servers: readonly string[];
  /** 120 s by default. */
  timeoutMs?: number;
  /** 1 s by default. */
  intervalMs?: number;
  /** Per query; 5 s by default. */
  requestTimeoutMs?: number;
}

/** Resolves once every server answers the TXT `fqdn` with `value` among its values. */
export async function waitForTxt(options: WaitForTxtOptions): Promise<void> {
  const record = toTxtRecord(options.fqdn, options.value);
  const timeoutMs = options.timeoutMs ?? 120_000;
  const intervalMs = options.intervalMs ?? 1000;
  const requestTimeoutMs = Math.min(options.requestTimeoutMs ?? 5000, timeoutMs);
  const servers = await Promise.all(options.servers.map((s) => resolveDnsServer(s)));
  if (servers.length === 0)
    throw new BerthError('VALIDATION_FAILED', `No DNS server to check the TXT record ${record.fqdn} at.`);
  const deadline = Date.now() + timeoutMs;
  const last = new Map<DnsServer, string>();
  let waiting = servers;
  for (;;) {
    const seen = await Promise.all(
      waiting.map((server) => showsValue(server, record, requestTimeoutMs, last)),
    );
    waiting = waiting.filter((_, i) => !seen[i]);
    if (waiting.length === 0) return;
    if (Date.now() + intervalMs > deadline) break;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  const said = waiting.map((s) => `${s.label} (${last.get(s) ?? 'no answer'})`).join(', ');
  throw new BerthError(
    'DNS_RECORD_NOT_VISIBLE',
    `The TXT record ${record.fqdn} with the challenge value did not appear at ${said} within ${(timeoutMs / 1000).toFixed(timeoutMs < 10_000 ? 1 : 0)} s.`,
    {
      hint: `Check that the DNS provider writes into the zone those servers serve, and that they answer for ${record.fqdn}.`,
    },
  );
}

async function showsValue(
  server: DnsServer,
  record: TxtRecord,
  timeoutMs: number,
  last: Map<DnsServer, string>,
): Promise<boolean> {
  try {
    const { rcode, values } = await queryTxt(server, record.fqdn, timeoutMs);
    if (values.includes(record.value)) return true;
    last.set(
      server,
      rcode !== 0
        ? rcodeName(rcode)
        : values.length === 0
          ? 'no TXT value'
          : `${values.length} other TXT value(s)`,
    );
  } catch (e) {
    last.set(server, e instanceof Error ? e.message : String(e));
  }
  return false;
}

/** For a provider: wait at `servers`, with the context's deadlines. */
export const waitForTxtAt = (
  record: TxtRecord,
  servers: readonly string[],
  context: ProviderContext,
): Promise<void> =>
  waitForTxt({
    ...record,
    servers,
    timeoutMs: context.visibilityTimeoutMs,
    intervalMs: context.visibilityIntervalMs,
    requestTimeoutMs: Math.min(context.requestTimeoutMs, 5000),
  });

/**
 * The authoritative servers of the zone holding `fqdn`: the nearest ancestor with NS records, as
 * `resolver` (a recursive resolver, or this machine's) answers, each name server's addresses on `port`.
 */
export async function findAuthoritativeServers(
  fqdn: string,
  options: { resolver?: string; port?: number; timeoutMs?: number } = {},
): Promise<string[]> {
  const resolver = new Resolver({ timeout: options.timeoutMs ?? 5000, tries: 2 });
  if (options.resolver !== undefined) resolver.setServers([options.resolver]);
  const port = options.port ?? 53;
  for (const candidate of selfAndAncestors(fqdn.toLowerCase())) {
    const names = await resolver.resolveNs(candidate).catch(() => [] as string[]);
    if (names.length === 0) continue;
    const addresses = await Promise.all(
      names.map(async (name) => [
        ...(await resolver.resolve4(name).catch(() => [] as string[])),
        ...(await resolver.resolve6(name).catch(() => [] as string[])),
      ]),
    );
    const servers = [...new Set(addresses.flat())].map((ip) =>
      isIP(ip) === 6 ? `[${ip}]:${port}` : `${ip}:${port}`,
    );
    if (servers.length > 0) return servers;
    throw new BerthError(
      'DNS_RECORD_NOT_VISIBLE',
      `The name servers of ${candidate} (${names.join(', ')}) have no addresses this machine can resolve.`,
    );
  }
  throw new BerthError(
    'DNS_RECORD_NOT_VISIBLE',
    `No zone with name servers holds ${fqdn} (no NS records found).`,
    {
      hint: 'Check that the domain is delegated to the DNS provider, or configure the servers to check.',
    },
  );
}

/** A provider's wait after writing: `authoritativeServer` stands for `authoritative` when the provider knows it. */
export async function waitUntilVisible(
  record: TxtRecord,
  context: ProviderContext,
  authoritativeServer?: string,
): Promise<void> {
  const visibility = context.visibility;
  switch (visibility.check) {
    case 'none':
      return;
    case 'servers':
      return waitForTxtAt(record, visibility.servers, context);
    case 'authoritative': {
      const servers = authoritativeServer
        ? [authoritativeServer]
        : await findAuthoritativeServers(record.fqdn, {
            ...(visibility.resolver === undefined ? {} : { resolver: visibility.resolver }),
            ...(visibility.nameserverPort === undefined ? {} : { port: visibility.nameserverPort }),
            timeoutMs: Math.min(context.requestTimeoutMs, 5000),
          });
      return waitForTxtAt(record, servers, context);
    }
  }
}
