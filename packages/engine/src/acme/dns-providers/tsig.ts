/**
 * TSIG (RFC 8945): an HMAC over a DNS message and a few variables, with a key the zone's server
 * shares. dns-packet has no TSIG, so the record is written and read here, byte by byte. Requests
 * are signed; a response must carry a TSIG that verifies against the request's MAC (§5.3), or an
 * error the server put in it (BADSIG, BADKEY, BADTIME), which is then the reason given.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { TsigAlgorithm } from '@berth/protocol';
import { encodeName, readName, readUint48, skipName, skipRecord, writeUint48 } from './wire.js';

export interface TsigKey {
  /** Lower-case, no final dot. */
  name: string;
  algorithm: TsigAlgorithm;
  secret: Buffer;
}

const TYPE_TSIG = 250;
const CLASS_ANY = 255;
/** RFC 8945 §10: 300 s of clock difference is tolerated. */
const FUDGE_S = 300;

export const TSIG_ERRORS: Readonly<Record<number, string>> = {
  16: 'BADSIG',
  17: 'BADKEY',
  18: 'BADTIME',
  22: 'BADTRUNC',
};

const HASH: Readonly<Record<TsigAlgorithm, string>> = {
  'hmac-sha256': 'sha256',
  'hmac-sha384': 'sha384',
  'hmac-sha512': 'sha512',
};

const u16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
};

/** Name, class, TTL, algorithm, time, fudge, error and other data: what the MAC covers besides the message. */
function variables(key: TsigKey, timeSigned: number, fudge: number, error: number, other: Buffer): Buffer {
  const head = Buffer.alloc(6);
  head.writeUInt16BE(CLASS_ANY, 0);
  head.writeUInt32BE(0, 2);
  return Buffer.concat([
    encodeName(key.name),
    head,
    encodeName(key.algorithm),
    writeUint48(timeSigned),
    u16(fudge),
    u16(error),
    u16(other.length),
    other,
  ]);
}

const hmac = (key: TsigKey, ...parts: Buffer[]): Buffer => {
  const h = createHmac(HASH[key.algorithm], key.secret);
  for (const p of parts) h.update(p);
  return h.digest();
};

export interface SignedMessage {
  message: Buffer;
  mac: Buffer;
}

/** The message with its TSIG record appended as the last additional record. */
export function signMessage(message: Buffer, key: TsigKey, nowMs: number): SignedMessage {
  const timeSigned = Math.floor(nowMs / 1000);
  const mac = hmac(key, message, variables(key, timeSigned, FUDGE_S, 0, Buffer.alloc(0)));
  const rdata = Buffer.concat([
    encodeName(key.algorithm),
    writeUint48(timeSigned),
    u16(FUDGE_S),
    u16(mac.length),
    mac,
    u16(message.readUInt16BE(0)),
    u16(0),
    u16(0),
  ]);
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(TYPE_TSIG, 0);
  fixed.writeUInt16BE(CLASS_ANY, 2);
  fixed.writeUInt32BE(0, 4);
  fixed.writeUInt16BE(rdata.length, 8);
  const signed = Buffer.concat([message, encodeName(key.name), fixed, rdata]);
  signed.writeUInt16BE(message.readUInt16BE(10) + 1, 10);
  return { message: signed, mac };
}

export type TsigVerdict =
  | { kind: 'verified' }
  /** The server's own TSIG error (its MAC is empty then, RFC 8945 §5.3.2). */
  | { kind: 'server-error'; error: string }
  | { kind: 'invalid'; reason: string };

interface ReadTsig {
  /** Where the TSIG record starts: the message it signs ends here. */
  start: number;
  /** Lower-case, no final dot (a server may compress the owner name). */
  name: string;
  algorithm: string;
  timeSigned: number;
  fudge: number;
  mac: Buffer;
  originalId: number;
  error: number;
  other: Buffer;
}

/** The last additional record when it is a TSIG, or null. Throws on a message that ends early. */
function readTsig(message: Buffer): ReadTsig | null {
  const counts = [4, 6, 8, 10].map((at) => message.readUInt16BE(at));
  const [qd = 0, an = 0, ns = 0, ar = 0] = counts;
  if (ar === 0) return null;
  let offset = 12;
  for (let i = 0; i < qd; i++) offset = skipName(message, offset) + 4;
  for (let i = 0; i < an + ns + ar - 1; i++) offset = skipRecord(message, offset);
  const start = offset;
  const nameEnd = skipName(message, offset);
  if (message.readUInt16BE(nameEnd) !== TYPE_TSIG) return null;
  let at = nameEnd + 10;
  const algorithmEnd = skipName(message, at);
  const algorithm = readName(message, at);
  at = algorithmEnd;
  const timeSigned = readUint48(message, at);
  const fudge = message.readUInt16BE(at + 6);
  const macSize = message.readUInt16BE(at + 8);
  const mac = message.subarray(at + 10, at + 10 + macSize);
  at += 10 + macSize;
  const originalId = message.readUInt16BE(at);
  const error = message.readUInt16BE(at + 2);
  const otherLen = message.readUInt16BE(at + 4);
  const other = message.subarray(at + 6, at + 6 + otherLen);
  if (other.length !== otherLen || mac.length !== macSize) throw new RangeError('TSIG record ends early');
  return {
    start,
    name: readName(message, start),
    algorithm,
    timeSigned,
    fudge,
    mac,
    originalId,
    error,
    other,
  };
}

/** RFC 8945 §5.3: the response's TSIG must be by the same key and cover the request's MAC. */
export function verifyResponse(
  response: Buffer,
  key: TsigKey,
  requestMac: Buffer,
  nowMs: number,
): TsigVerdict {
  let tsig: ReadTsig | null;
  try {
    tsig = readTsig(response);
  } catch {
    return { kind: 'invalid', reason: 'the answer is malformed' };
  }
  if (tsig === null) return { kind: 'invalid', reason: 'the answer carries no TSIG signature' };
  if (tsig.name !== key.name || tsig.algorithm !== key.algorithm)
    return { kind: 'invalid', reason: 'the answer is signed with another key or algorithm' };
  if (tsig.error !== 0)
    return { kind: 'server-error', error: TSIG_ERRORS[tsig.error] ?? `TSIG error ${tsig.error}` };
  const unsigned = Buffer.from(response.subarray(0, tsig.start));
  unsigned.writeUInt16BE(tsig.originalId, 0);
  unsigned.writeUInt16BE(unsigned.readUInt16BE(10) - 1, 10);
  const expected = hmac(
    key,
    u16(requestMac.length),
    requestMac,
    unsigned,
    variables(key, tsig.timeSigned, tsig.fudge, tsig.error, tsig.other),
  );
  if (tsig.mac.length !== expected.length || !timingSafeEqual(tsig.mac, expected))
    return { kind: 'invalid', reason: "the answer's TSIG signature does not verify" };
  if (Math.abs(Math.floor(nowMs / 1000) - tsig.timeSigned) > tsig.fudge)
    return { kind: 'invalid', reason: "the answer's TSIG time is outside its fudge (check the clocks)" };
  return { kind: 'verified' };
}
