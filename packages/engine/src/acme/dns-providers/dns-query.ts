/**
 * Plain (unsigned) questions to one server: SOA to find a zone, TXT to see a published record.
 * Asked without recursion: the server is meant to be the zone's own. UDP first, TCP when the
 * answer is truncated.
 */
import { randomInt } from 'node:crypto';
import dnsPacket, { type Answer } from 'dns-packet';
import { exchangeTcp, exchangeUdp, type DnsServer } from './dns-transport.js';

export const RCODE_NAMES: Readonly<Record<number, string>> = {
  0: 'NOERROR',
  1: 'FORMERR',
  2: 'SERVFAIL',
  3: 'NXDOMAIN',
  4: 'NOTIMP',
  5: 'REFUSED',
  6: 'YXDOMAIN',
  7: 'YXRRSET',
  8: 'NXRRSET',
  9: 'NOTAUTH',
  10: 'NOTZONE',
};
export const rcodeName = (rcode: number): string => RCODE_NAMES[rcode] ?? `RCODE ${rcode}`;

export interface DnsAnswerSet {
  rcode: number;
  answers: Answer[];
  authorities: Answer[];
}

const toName = (name: string): string => name.toLowerCase().replace(/\.$/, '');

export async function queryDns(
  server: DnsServer,
  name: string,
  type: 'SOA' | 'TXT' | 'NS',
  timeoutMs: number,
): Promise<DnsAnswerSet> {
  const message = dnsPacket.encode({
    type: 'query',
    id: randomInt(0x10000),
    flags: 0,
    questions: [{ name, type, class: 'IN' }],
  });
  let raw = await exchangeUdp(server, message, timeoutMs);
  if ((raw.readUInt16BE(2) & dnsPacket.TRUNCATED_RESPONSE) !== 0)
    raw = await exchangeTcp(server, message, timeoutMs);
  const packet = dnsPacket.decode(raw);
  const question = packet.questions?.[0];
  if (!question || toName(question.name) !== toName(name) || question.type !== type)
    throw new Error(`${server.label} answered another question than ${type} ${name}`);
  return {
    // dns-packet's typings leave out its `rcode`; it is the header's low four bits.
    rcode: (packet.flags ?? 0) & 0x0f,
    answers: packet.answers ?? [],
    authorities: packet.authorities ?? [],
  };
}

/** The TXT strings of `fqdn` at the server (each record's strings joined, as RFC 8555 §8.4 reads them). */
export async function queryTxt(
  server: DnsServer,
  fqdn: string,
  timeoutMs: number,
): Promise<{ rcode: number; values: string[] }> {
  const set = await queryDns(server, fqdn, 'TXT', timeoutMs);
  const values = set.answers.flatMap((a) => {
    if (a.type !== 'TXT' || toName(a.name) !== fqdn) return [];
    const data: unknown = a.data;
    const parts: unknown[] = Array.isArray(data) ? data : [data];
    return [parts.map((p) => (Buffer.isBuffer(p) ? p.toString('utf8') : String(p))).join('')];
  });
  return { rcode: set.rcode, values };
}

/** The zone holding `fqdn` at this server: the nearest ancestor (or itself) with its own SOA. */
export async function findZoneBySoa(
  server: DnsServer,
  candidates: readonly string[],
  timeoutMs: number,
): Promise<string | null> {
  for (const candidate of candidates) {
    const set = await queryDns(server, candidate, 'SOA', timeoutMs);
    if (set.answers.some((a) => a.type === 'SOA' && toName(a.name) === candidate)) return candidate;
  }
  return null;
}

export { toName as toDnsName };
