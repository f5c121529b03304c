/**
 * RFC 2136 UPDATE messages for one TXT record: add it, or delete exactly that value (class NONE,
 * §2.5.4), so that the two answers of `example.com` and `*.example.com` — the same name, two
 * values — never remove each other. Written by hand: dns-packet knows neither the opcode's
 * sections nor class NONE.
 */
import { randomInt } from 'node:crypto';
import type { TxtRecord } from './record.js';
import { encodeName } from './wire.js';

const OPCODE_UPDATE = 5;
const TYPE_SOA = 6;
const TYPE_TXT = 16;
const CLASS_IN = 1;
const CLASS_NONE = 254;
/** Short: a challenge record lives for minutes, and a stale answer cached longer helps nobody. */
export const CHALLENGE_TTL_S = 60;

export type UpdateAction = 'add' | 'delete';

function txtRdata(value: string): Buffer {
  const bytes = Buffer.from(value, 'ascii');
  if (bytes.length > 255) throw new RangeError('a TXT string holds at most 255 bytes');
  return Buffer.concat([Buffer.from([bytes.length]), bytes]);
}

export function buildUpdate(zone: string, record: TxtRecord, action: UpdateAction): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(randomInt(0x10000), 0);
  header.writeUInt16BE(OPCODE_UPDATE << 11, 2);
  header.writeUInt16BE(1, 4); // ZOCOUNT
  header.writeUInt16BE(0, 6); // PRCOUNT
  header.writeUInt16BE(1, 8); // UPCOUNT
  header.writeUInt16BE(0, 10); // ADCOUNT
  const zoneSection = Buffer.concat([encodeName(zone), Buffer.from([0, TYPE_SOA, 0, CLASS_IN])]);
  const rdata = txtRdata(record.value);
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(TYPE_TXT, 0);
  fixed.writeUInt16BE(action === 'add' ? CLASS_IN : CLASS_NONE, 2);
  fixed.writeUInt32BE(action === 'add' ? CHALLENGE_TTL_S : 0, 4);
  fixed.writeUInt16BE(rdata.length, 8);
  return Buffer.concat([header, zoneSection, encodeName(record.fqdn), fixed, rdata]);
}

/** The response code of a DNS message (header's low four bits; no EDNS extended codes here). */
export const responseCode = (message: Buffer): number => message.readUInt16BE(2) & 0x0f;
