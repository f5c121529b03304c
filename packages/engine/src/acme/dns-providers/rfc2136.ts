/**
 * DNS-01 through RFC 2136 dynamic updates signed with TSIG, sent to the zone's primary server
 * (BIND, Knot, PowerDNS…). No nsupdate binary: the messages are built here, sent over TCP, and
 * the server's signed answer is verified before its verdict is believed.
 */
import { BerthError, type Rfc2136Settings } from '@berth/protocol';
import type { Dns01Port } from '../types.js';
import { findZoneBySoa, rcodeName } from './dns-query.js';
import { exchangeTcp, resolveDnsServer, type DnsServer } from './dns-transport.js';
import type { ProviderContext } from './provider-context.js';
import { selfAndAncestors, toTxtRecord, type TxtRecord } from './record.js';
import { buildUpdate, responseCode, type UpdateAction } from './rfc2136-message.js';
import { signMessage, verifyResponse, type TsigKey } from './tsig.js';
import { waitUntilVisible } from './visibility.js';

const RCODE_NOTAUTH = 9;

export function createRfc2136Provider(settings: Rfc2136Settings, context: ProviderContext): Dns01Port {
  const key: TsigKey = {
    name: settings.keyName,
    algorithm: settings.algorithm,
    secret: Buffer.from(settings.secret, 'base64'),
  };
  let server: Promise<DnsServer> | null = null;
  const serverOnce = (): Promise<DnsServer> =>
    (server ??= resolveDnsServer(settings.server).catch((e: unknown) => {
      server = null;
      throw e;
    }));

  const update = async (record: TxtRecord, action: UpdateAction): Promise<DnsServer> => {
    const target = await serverOnce();
    const zone = settings.zone ?? (await discoverZone(target, record, context));
    if (record.fqdn !== zone && !record.fqdn.endsWith(`.${zone}`))
      throw new BerthError(
        'VALIDATION_FAILED',
        `${record.fqdn} is not in the zone ${zone} of the DNS provider.`,
      );
    await sendUpdate(target, key, buildUpdate(zone, record, action), `${action} TXT ${record.fqdn}`, context);
    return target;
  };

  return {
    publish: async (fqdn, value) => {
      const record = toTxtRecord(fqdn, value);
      const target = await update(record, 'add');
      await waitUntilVisible(record, context, target.label);
    },
    withdraw: async (fqdn, value) => {
      await update(toTxtRecord(fqdn, value), 'delete');
    },
  };
}

async function discoverZone(server: DnsServer, record: TxtRecord, context: ProviderContext): Promise<string> {
  const zone = await findZoneBySoa(server, selfAndAncestors(record.fqdn), context.requestTimeoutMs).catch(
    (e: unknown) => {
      throw new BerthError(
        'DNS_PROVIDER_FAILED',
        `Finding the zone of ${record.fqdn} at ${server.label} failed: ${e instanceof Error ? e.message : String(e)}`,
        { cause: e },
      );
    },
  );
  if (zone === null)
    throw new BerthError(
      'DNS_PROVIDER_FAILED',
      `${server.label} is authoritative for no zone holding ${record.fqdn}.`,
      {
        hint: 'Set the zone in the DNS provider settings, or point them at the primary server of that zone.',
      },
    );
  return zone;
}

async function sendUpdate(
  server: DnsServer,
  key: TsigKey,
  message: Buffer,
  what: string,
  context: ProviderContext,
): Promise<void> {
  const fail = (reason: string, hint?: string, cause?: unknown): never => {
    throw new BerthError(
      'DNS_PROVIDER_FAILED',
      `RFC 2136 update (${what}) at ${server.label} failed: ${reason}`,
      {
        ...(hint ? { hint } : {}),
        ...(cause === undefined ? {} : { cause }),
      },
    );
  };
  const signed = signMessage(message, key, context.now());
  const answer = await exchangeTcp(server, signed.message, context.requestTimeoutMs).catch((e: unknown) =>
    fail(
      e instanceof Error ? e.message : String(e),
      'Check that the server is reachable over TCP on that port.',
      e,
    ),
  );
  const rcode = responseCode(answer);
  const verdict = verifyResponse(answer, key, signed.mac, context.now());
  switch (verdict.kind) {
    case 'server-error':
      return fail(
        `${rcodeName(rcode)}/${verdict.error}: the server refused the TSIG signature of key ${key.name}`,
        verdict.error === 'BADTIME'
          ? "Check this machine's clock and the server's: TSIG allows 5 minutes of difference."
          : `Check the key's name, algorithm (${key.algorithm}) and secret against the server's key.`,
      );
    case 'invalid':
      return fail(
        rcode === RCODE_NOTAUTH
          ? `NOTAUTH: the server does not accept key ${key.name} (${verdict.reason})`
          : `${rcodeName(rcode)}, and ${verdict.reason}`,
        rcode === RCODE_NOTAUTH
          ? `Check the key's name, algorithm (${key.algorithm}) and secret against the server's key.`
          : undefined,
      );
    case 'verified':
      if (rcode === 0) return;
      return fail(
        rcodeName(rcode),
        rcode === 5
          ? `The server refused the update: allow key ${key.name} to update TXT records of the zone (BIND: update-policy).`
          : undefined,
      );
  }
}
