/**
 * Just enough of RFC 1035 to answer the proxy's questions about upstream sets (SRV) and replicas
 * (A). Every byte comes from a socket: a hostile message gets FORMERR or silence, never a throw.
 */

import { isIPv4 } from 'node:net';
import type { DnsAnswer } from './answer.js';
import {
  CLASSIC_UDP_LIMIT,
  DNS_CLASS_ANY,
  DNS_CLASS_IN,
  DNS_TYPE,
  HEADER_LEN,
  MAX_RECORDS_SCANNED,
  OUR_EDNS_PAYLOAD,
  RCODE,
  Reader,
  encodeName,
  readName,
  toPresentationName,
  u16pair,
} from './dns-wire.js';
import type { Rcode } from './dns-wire.js';

export interface DnsQuery {
  id: number;
  /** Opcode and RD are echoed in the response. */
  opcode: number;
  recursionDesired: boolean;
  /** Lower-case, without the trailing dot; bytes outside [a-z0-9_-] are escaped as `\DDD`. */
  name: string;
  labels: Buffer[];
  qtype: number;
  qclass: number;
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

/** Skips resource records and reports the EDNS payload size if an OPT record is among them. */
function scanRecords(r: Reader, count: number): { ok: boolean; ednsPayload: number | null } {
  let ednsPayload: number | null = null;
  for (let i = 0; i < count; i++) {
    const name = readName(r);
    const type = r.u16();
    const cls = r.u16();
    if (name === null || type === null || cls === null || !r.skip(4)) return { ok: false, ednsPayload };
    const rdlen = r.u16();
    if (rdlen === null || !r.skip(rdlen)) return { ok: false, ednsPayload };
    if (type === DNS_TYPE.OPT && name.length === 0) ednsPayload = Math.max(CLASSIC_UDP_LIMIT, cls);
  }
  return { ok: true, ednsPayload };
}

export function parseDnsQuery(buf: Buffer): ParsedQuery {
  if (buf.length < HEADER_LEN) return { kind: 'ignore' };
  const id = buf.readUInt16BE(0);
  const flags = buf.readUInt16BE(2);
  if (flags & 0x8000) return { kind: 'ignore' };
  const opcode = (flags >> 11) & 0x0f;
  if (opcode !== 0) return { kind: 'reject', id, opcode, rcode: RCODE.NOTIMP };
  const formerr = { kind: 'reject', id, opcode, rcode: RCODE.FORMERR } as const;
  const qdcount = buf.readUInt16BE(4);
  const others = buf.readUInt16BE(6) + buf.readUInt16BE(8) + buf.readUInt16BE(10);
  if (qdcount !== 1 || others > MAX_RECORDS_SCANNED) return formerr;

  const r = new Reader(buf, HEADER_LEN);
  const labels = readName(r);
  const qtype = r.u16();
  const qclass = r.u16();
  if (labels === null || qtype === null || qclass === null) return formerr;
  const scanned = scanRecords(r, others);
  if (!scanned.ok) return formerr;
  return {
    kind: 'query',
    query: {
      id,
      opcode,
      recursionDesired: (flags & 0x0100) !== 0,
      name: toPresentationName(labels),
      labels,
      qtype,
      qclass,
      ednsPayload: scanned.ednsPayload,
      length: r.pos,
    },
  };
}

export const toQuestionType = (qtype: number): 'SRV' | 'A' | 'OTHER' =>
  qtype === DNS_TYPE.SRV ? 'SRV' : qtype === DNS_TYPE.A ? 'A' : 'OTHER';

/** True when the question is one this service answers at all (class IN or ANY). */
export const isAnswerableClass = (qclass: number): boolean =>
  qclass === DNS_CLASS_IN || qclass === DNS_CLASS_ANY;

const encodeLabels = (labels: readonly Buffer[]): Buffer =>
  Buffer.concat([...labels.flatMap((l) => [Buffer.from([l.length]), l]), Buffer.from([0])]);

function header(
  id: number,
  opcode: number,
  rd: boolean,
  rcode: Rcode,
  counts: [number, number, number, number],
  tc = false,
): Buffer {
  const h = Buffer.alloc(HEADER_LEN);
  h.writeUInt16BE(id, 0);
  // QR=1 and AA=1: Go's resolver treats a non-authoritative empty answer without RA as a lame referral.
  const flags = 0x8000 | (opcode << 11) | 0x0400 | (tc ? 0x0200 : 0) | (rd ? 0x0100 : 0) | rcode;
  h.writeUInt16BE(flags, 2);
  counts.forEach((c, i) => h.writeUInt16BE(c, 4 + i * 2));
  return h;
}

/** An answer record whose owner is the question name (a pointer to offset 12). */
function answerRecord(type: number, rdata: Buffer): Buffer {
  const rr = Buffer.alloc(12);
  rr.writeUInt16BE(0xc000 | HEADER_LEN, 0);
  rr.writeUInt16BE(type, 2);
  rr.writeUInt16BE(DNS_CLASS_IN, 4);
  rr.writeUInt32BE(0, 6); // TTL 0: a rollout step must be seen on the proxy's next refresh
  rr.writeUInt16BE(rdata.length, 10);
  return Buffer.concat([rr, rdata]);
}

function srvRecord(target: string, port: number): Buffer {
  const fixed = Buffer.alloc(6);
  fixed.writeUInt16BE(1, 0); // priority
  fixed.writeUInt16BE(1, 2); // weight
  fixed.writeUInt16BE(port, 4);
  // RFC 2782: the target is never compressed.
  return answerRecord(DNS_TYPE.SRV, Buffer.concat([fixed, encodeName(target)]));
}

const aRecord = (ip: string): Buffer => answerRecord(DNS_TYPE.A, Buffer.from(ip.split('.').map(Number)));

function optRecord(): Buffer {
  const opt = Buffer.alloc(11);
  opt.writeUInt8(0, 0); // root name
  opt.writeUInt16BE(DNS_TYPE.OPT, 1);
  opt.writeUInt16BE(OUR_EDNS_PAYLOAD, 3);
  // extended rcode, version, flags and rdlength are all zero
  return opt;
}

export function toAnswerRecords(answer: DnsAnswer, qtype: number): Buffer[] {
  const records: Buffer[] = [];
  if (qtype === DNS_TYPE.SRV) {
    for (const s of answer.srv ?? []) records.push(srvRecord(s.target, s.port));
  }
  if (qtype === DNS_TYPE.A) {
    // A records carry IPv4 only; an IPv6 replica address simply has no A record.
    for (const ip of answer.a ?? []) if (isIPv4(ip)) records.push(aRecord(ip));
  }
  return records;
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

/** A response to a parsed query; `answer` null means NXDOMAIN. */
export function buildResponse(
  query: DnsQuery,
  answer: DnsAnswer | null,
  limit: ResponseLimit,
  rcode?: Rcode,
): Buffer {
  const code = rcode ?? (answer === null ? RCODE.NXDOMAIN : RCODE.NOERROR);
  const question = Buffer.concat([encodeLabels(query.labels), u16pair(query.qtype, query.qclass)]);
  const opt = query.ednsPayload === null ? [] : [optRecord()];
  const all = answer === null || code !== RCODE.NOERROR ? [] : toAnswerRecords(answer, query.qtype);
  const room = limit.maxSize - HEADER_LEN - question.length - opt.reduce((n, b) => n + b.length, 0);
  const fitsAll = all.reduce((n, rr) => n + rr.length, 0) <= room;
  const start = fitsAll || limit.overflow === 'truncate' ? 0 : (limit.rotation ?? 0) % all.length;
  const fitted: Buffer[] = [];
  let used = 0;
  for (let k = 0; k < all.length; k++) {
    const rr = all[(start + k) % all.length];
    if (rr === undefined || used + rr.length > room) break;
    fitted.push(rr);
    used += rr.length;
  }
  const truncated = limit.overflow === 'truncate' && fitted.length < all.length;
  const h = header(
    query.id,
    query.opcode,
    query.recursionDesired,
    code,
    [1, fitted.length, 0, opt.length],
    truncated,
  );
  return Buffer.concat([h, question, ...fitted, ...opt]);
}

/** FORMERR/NOTIMP for a message whose question could not be read: header only. */
export const buildReject = (id: number, opcode: number, rcode: Rcode): Buffer =>
  header(id, opcode, false, rcode, [0, 0, 0, 0]);

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

const MAX_STREAM_RESPONSE = 65535;

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
      if (!isAnswerableClass(q.qclass)) return buildResponse(q, {}, limit, RCODE.REFUSED);
      try {
        return buildResponse(q, lookup(q.name, toQuestionType(q.qtype)), limit);
      } catch {
        // A broken table entry (a name too long, a port out of range) must not take the service down.
        return buildResponse(q, {}, limit, RCODE.SERVFAIL);
      }
    }
  }
}

/** Builds a query, for tests and health probes of the service. */
export function buildQuery(id: number, name: string, qtype: number, edns = false): Buffer {
  const h = Buffer.alloc(HEADER_LEN);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(0x0100, 2);
  h.writeUInt16BE(1, 4);
  h.writeUInt16BE(edns ? 1 : 0, 10);
  return Buffer.concat([h, encodeName(name), u16pair(qtype, DNS_CLASS_IN), ...(edns ? [optRecord()] : [])]);
}
