/**
 * What the upstream DNS service answers: the proxy's questions about upstream sets (SRV) and
 * replicas (A). The wire format is dns-packet's; this file decides what to say and keeps the
 * answers within what the client can read. Every byte comes from a socket: a hostile message
 * gets FORMERR or silence, never a throw.
 */

import { isIPv4 } from 'node:net';
import dnsPacket, {
  type Answer,
  type OptAnswer,
  type Packet,
  type Question,
  type RecordType,
} from 'dns-packet';
import type { DnsAnswer } from './answer.js';

export const HEADER_LEN = 12;
/** The smallest size every DNS client accepts (RFC 1035 §4.2.1). */
export const CLASSIC_UDP_LIMIT = 512;
const OUR_EDNS_PAYLOAD = 1232;
/** More records than a query carries are refused from the header, before anything is decoded. */
const MAX_RECORDS = 64;
const MAX_STREAM_RESPONSE = 65535;
const QR_RESPONSE = 0x8000;

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
export type Rcode = (typeof RCODE)[keyof typeof RCODE];

export interface DnsQuery {
  id: number;
  recursionDesired: boolean;
  /** The question as asked, echoed in the response. */
  question: Question;
  /** Lower-case, without the trailing dot; null for a name that can never be one of ours. */
  name: string | null;
  /** Payload size the client advertised through EDNS, or null when it sent no OPT record. */
  ednsPayload: number | null;
  /** Bytes the query took, so a stream can tell where the next message starts. */
  length: number;
}

export type ParsedQuery =
  | { kind: 'query'; query: DnsQuery }
  /** Malformed but with a readable header: answer FORMERR (or NOTIMP) so the client stops waiting. */
  | { kind: 'reject'; id: number; opcode: number; rcode: Rcode }
  /** Too short to answer, or itself a response: answering could start a loop between two servers. */
  | { kind: 'ignore' };

/** The OPT record our answers carry when the query had one: what we take over UDP (the DNS flag day's size). */
export const OUR_OPT: OptAnswer = {
  type: 'OPT',
  name: '.',
  udpPayloadSize: OUR_EDNS_PAYLOAD,
  extendedRcode: 0,
  ednsVersion: 0,
  flags: 0,
  flag_do: false,
  options: [],
};

/** Our names (app sets, replica hostnames) are plain LDH labels; anything else never matches. */
const OUR_NAME = /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/;

const toLookupName = (asked: string): string | null => {
  const name = asked.toLowerCase().replace(/\.$/, '');
  return name === '' || OUR_NAME.test(name) ? name : null;
};

/**
 * True when the question's bytes are exactly what dns-packet writes for what it read. The library
 * reads label bytes as UTF-8 and joins labels with dots, so a label holding a dot, or bytes that
 * are not UTF-8, would read as some other name; such a question cannot be echoed either.
 */
function isCanonicalQuestion(message: Buffer, question: Question): boolean {
  const written = dnsPacket.encode({ questions: [question] }).subarray(HEADER_LEN);
  return message.subarray(HEADER_LEN, HEADER_LEN + written.length).equals(written);
}

function ednsPayloadOf(records: readonly Answer[]): number | null {
  const opt = records.find((r): r is OptAnswer => r.type === 'OPT' && r.name === '.');
  return opt === undefined ? null : Math.max(CLASSIC_UDP_LIMIT, opt.udpPayloadSize);
}

export function parseDnsQuery(buf: Buffer): ParsedQuery {
  if (buf.length < HEADER_LEN) return { kind: 'ignore' };
  // The header decides whether to decode at all, and it is all a FORMERR needs when the rest is junk.
  const id = buf.readUInt16BE(0);
  const flags = buf.readUInt16BE(2);
  if (flags & QR_RESPONSE) return { kind: 'ignore' };
  const opcode = (flags >> 11) & 0x0f;
  if (opcode !== 0) return { kind: 'reject', id, opcode, rcode: RCODE.NOTIMP };
  const formerr = { kind: 'reject', id, opcode, rcode: RCODE.FORMERR } as const;
  const others = buf.readUInt16BE(6) + buf.readUInt16BE(8) + buf.readUInt16BE(10);
  if (buf.readUInt16BE(4) !== 1 || others > MAX_RECORDS) return formerr;
  try {
    const packet = dnsPacket.decode(buf);
    const length = dnsPacket.decode.bytes;
    const question = packet.questions?.[0];
    // Some record decoders read a fixed size whatever the record says: past the end is junk too.
    if (question === undefined || length > buf.length || !isCanonicalQuestion(buf, question)) return formerr;
    const query: DnsQuery = {
      id,
      recursionDesired: packet.flag_rd,
      question,
      name: toLookupName(question.name),
      ednsPayload: ednsPayloadOf([
        ...(packet.answers ?? []),
        ...(packet.authorities ?? []),
        ...(packet.additionals ?? []),
      ]),
      length,
    };
    return { kind: 'query', query };
  } catch {
    return formerr;
  }
}

const toQuestionType = (type: RecordType): 'SRV' | 'A' | 'OTHER' =>
  type === 'SRV' ? 'SRV' : type === 'A' ? 'A' : 'OTHER';

/** True when the question is one this service answers at all (class IN or ANY). */
const isAnswerableClass = (question: Question): boolean =>
  question.class === undefined || question.class === 'IN' || question.class === 'ANY';

const LABEL = /^[A-Za-z0-9_-]{1,63}$/;

/**
 * dns-packet writes whatever it is given, so a broken table entry (a label over 63 bytes, a port
 * out of range) is refused here rather than sent as a corrupt message: the caller answers SERVFAIL.
 */
function checkSrvTarget(target: string, port: number): void {
  const name = target.replace(/\.$/, '');
  if (name.length > 253 || !name.split('.').every((l) => LABEL.test(l)))
    throw new RangeError(`not an encodable DNS name: ${target}`);
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new RangeError(`not a port: ${port}`);
}

// TTL 0: a rollout step must be seen on the proxy's next refresh.
function toAnswerRecords(owner: string, answer: DnsAnswer, type: 'SRV' | 'A' | 'OTHER'): Answer[] {
  switch (type) {
    case 'SRV':
      return (answer.srv ?? []).map(({ target, port }) => {
        checkSrvTarget(target, port);
        // Equal priority and weight: the proxy balances over the set itself.
        return { type: 'SRV', name: owner, ttl: 0, data: { priority: 1, weight: 1, port, target } };
      });
    case 'A':
      // A records carry IPv4 only; an IPv6 replica address simply has no A record.
      return (answer.a ?? [])
        .filter((ip) => isIPv4(ip))
        .map((ip) => ({ type: 'A', name: owner, ttl: 0, data: ip }));
    case 'OTHER':
      return [];
  }
}

export interface ResponseLimit {
  maxSize: number;
  /**
   * What to do with answers that do not fit. `truncate` leaves them out and sets TC, as RFC 1035
   * asks; the client retries over a stream. `subset` sends those that fit, without TC, starting
   * at `rotation` so successive answers cover the whole set.
   */
  overflow: 'truncate' | 'subset';
  rotation?: number;
}

/** The answers that fit in `room` bytes, and whether some were left out. */
function fitAnswers(
  all: readonly Answer[],
  room: number,
  limit: ResponseLimit,
): { fitted: Answer[]; truncated: boolean } {
  const sizes = all.map((rr) => dnsPacket.encodingLength({ answers: [rr] }) - HEADER_LEN);
  const fitsAll = sizes.reduce((n, s) => n + s, 0) <= room;
  const start = fitsAll || limit.overflow === 'truncate' ? 0 : (limit.rotation ?? 0) % all.length;
  const fitted: Answer[] = [];
  let used = 0;
  for (let k = 0; k < all.length; k++) {
    const i = (start + k) % all.length;
    const rr = all[i];
    const size = sizes[i] ?? 0;
    if (rr === undefined || used + size > room) break;
    fitted.push(rr);
    used += size;
  }
  return { fitted, truncated: limit.overflow === 'truncate' && fitted.length < all.length };
}

/** A response to a parsed query; `answer` null means NXDOMAIN. */
function buildResponse(
  query: DnsQuery,
  answer: DnsAnswer | null,
  limit: ResponseLimit,
  rcode?: Rcode,
): Buffer {
  const code = rcode ?? (answer === null ? RCODE.NXDOMAIN : RCODE.NOERROR);
  const all =
    answer === null || code !== RCODE.NOERROR
      ? []
      : toAnswerRecords(query.question.name, answer, toQuestionType(query.question.type));
  const additionals = query.ednsPayload === null ? [] : [OUR_OPT];
  const empty: Packet = { type: 'response', id: query.id, questions: [query.question], additionals };
  const room = limit.maxSize - dnsPacket.encodingLength(empty);
  const { fitted, truncated } = fitAnswers(all, room, limit);
  // AA: Go's resolver treats a non-authoritative empty answer without RA as a lame referral.
  const flags =
    dnsPacket.AUTHORITATIVE_ANSWER |
    (truncated ? dnsPacket.TRUNCATED_RESPONSE : 0) |
    (query.recursionDesired ? dnsPacket.RECURSION_DESIRED : 0) |
    code;
  return dnsPacket.encode({ ...empty, flags, answers: fitted });
}

/** FORMERR/NOTIMP for a message whose question could not be read: header only. */
const buildReject = (id: number, opcode: number, rcode: Rcode): Buffer =>
  dnsPacket.encode({ type: 'response', id, flags: (opcode << 11) | dnsPacket.AUTHORITATIVE_ANSWER | rcode });

export type DnsLookup = (name: string, type: 'SRV' | 'A' | 'OTHER') => DnsAnswer | null;

/**
 * How a message arrived. `stream` carries a length prefix, so a response may be up to 64 KiB.
 * `packet` has none (UDP, or Go's resolver on a unix socket, which it treats as a packet
 * connection): the client reads at most its EDNS size (Go: 1232 bytes), and Go answers TC by
 * retrying through the same dialer, which fails the lookup outright (measured with Caddy 2.6:
 * 30 upstreams → 503). So an oversized SRV set is answered with a rotating subset instead: any
 * subset of an app's upstreams is a correct set to balance over.
 */
export type Framing = { kind: 'stream' } | { kind: 'packet'; rotation: number };

function toLimit(q: DnsQuery, framing: Framing): ResponseLimit {
  switch (framing.kind) {
    case 'stream':
      return { maxSize: MAX_STREAM_RESPONSE, overflow: 'truncate' };
    case 'packet':
      return { maxSize: q.ednsPayload ?? CLASSIC_UDP_LIMIT, overflow: 'subset', rotation: framing.rotation };
  }
}

/** The whole exchange for one message: null when it must go unanswered. */
export const respondTo = (message: Buffer, lookup: DnsLookup, framing: Framing): Buffer | null =>
  respondToParsed(parseDnsQuery(message), lookup, framing);

export function respondToParsed(parsed: ParsedQuery, lookup: DnsLookup, framing: Framing): Buffer | null {
  switch (parsed.kind) {
    case 'ignore':
      return null;
    case 'reject':
      return buildReject(parsed.id, parsed.opcode, parsed.rcode);
    case 'query': {
      const q = parsed.query;
      const limit = toLimit(q, framing);
      if (!isAnswerableClass(q.question)) return buildResponse(q, {}, limit, RCODE.REFUSED);
      try {
        const answer = q.name === null ? null : lookup(q.name, toQuestionType(q.question.type));
        return buildResponse(q, answer, limit);
      } catch {
        // A broken table entry (a name too long, a port out of range) must not take the service down.
        return buildResponse(q, {}, limit, RCODE.SERVFAIL);
      }
    }
  }
}

/** Builds a query, for tests and health probes of the service. */
export function buildQuery(id: number, name: string, type: RecordType, edns = false): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type, class: 'IN' }],
    additionals: edns ? [OUR_OPT] : [],
  });
}
