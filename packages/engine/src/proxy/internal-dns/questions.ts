/**
 * One message from a team's replica, whatever it came over: answered here (./answer.ts), or to be
 * relayed to the host's resolvers. UDP (./udp.ts) and TCP (./tcp.ts) differ only in framing and
 * in how they relay.
 */

import dnsPacket from 'dns-packet';
import {
  CLASSIC_UDP_LIMIT,
  OUR_OPT,
  parseDnsQuery,
  respondToParsed,
  type DnsQuery,
  type Framing,
  type ParsedQuery,
} from '../upstream-dns/dns-message.js';
import { decideInternalQuery, type TeamNames } from './answer.js';

export type QueryParsed = Extract<ParsedQuery, { kind: 'query' }>;

export type Handling =
  /** Answered from here (or FORMERR/NOTIMP); null: the message goes unanswered. */
  | { kind: 'reply'; message: Buffer | null }
  /** Not ours: relay it; `parsed` makes the SERVFAIL when no resolver answers. */
  | { kind: 'relay'; parsed: QueryParsed };

// Every answer we make is from the parsed query; a throwing lookup is how respondToParsed says SERVFAIL.
const servfail = (): never => {
  throw new Error('no resolver answered');
};

export function toHandling(message: Buffer, names: () => TeamNames, framing: Framing): Handling {
  const parsed = parseDnsQuery(message);
  if (parsed.kind !== 'query') return { kind: 'reply', message: respondToParsed(parsed, servfail, framing) };
  const q = parsed.query;
  const decision =
    q.name === null
      ? { kind: 'forward' as const }
      : decideInternalQuery(names(), q.name, typeOf(q.question.type));
  if (decision.kind === 'forward') return { kind: 'relay', parsed };
  return { kind: 'reply', message: respondToParsed(parsed, () => decision.answer, framing) };
}

export const toServfail = (parsed: QueryParsed, framing: Framing): Buffer | null =>
  respondToParsed(parsed, servfail, framing);

const typeOf = (type: string): 'SRV' | 'A' | 'OTHER' =>
  type === 'A' ? 'A' : type === 'SRV' ? 'SRV' : 'OTHER';

/**
 * A relayed answer as a UDP client may receive it: whole when it fits the client's size (512
 * bytes, or what it advertised through EDNS), otherwise the header and question alone with TC
 * set, so the client asks again over TCP (RFC 1035 §4.2.1, RFC 7766 §5). A resolver that does
 * not truncate for the client itself would otherwise send bytes the client cuts off or drops.
 */
export function fitForUdpClient(answer: Buffer, query: DnsQuery): Buffer {
  const limit = query.ednsPayload ?? CLASSIC_UDP_LIMIT;
  if (answer.length <= limit) return answer;
  const flags = answer.readUInt16BE(2) | dnsPacket.TRUNCATED_RESPONSE;
  return dnsPacket.encode({
    type: 'response',
    id: answer.readUInt16BE(0),
    flags,
    questions: [query.question],
    additionals: query.ednsPayload === null ? [] : [OUR_OPT],
  });
}
