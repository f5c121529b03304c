/**
 * DNS wire-format primitives (RFC 1035 §4.1). Reads never throw: every one is bounds-checked,
 * names are capped, and compression pointers may only point backwards, which rules out loops.
 */

export const DNS_TYPE = { A: 1, SRV: 33, OPT: 41 } as const;
export const DNS_CLASS_IN = 1;
export const DNS_CLASS_ANY = 255;

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
export type Rcode = (typeof RCODE)[keyof typeof RCODE];

export const HEADER_LEN = 12;
export const MAX_NAME_WIRE_LEN = 255;
const MAX_LABELS = 127;
const MAX_POINTER_JUMPS = 16;
/** The smallest size every DNS client accepts (RFC 1035 §4.2.1). */
export const CLASSIC_UDP_LIMIT = 512;
export const OUR_EDNS_PAYLOAD = 1232;
export const MAX_RECORDS_SCANNED = 64;

export class Reader {
  constructor(
    readonly buf: Buffer,
    public pos = 0,
  ) {}
  u16(): number | null {
    if (this.pos + 2 > this.buf.length) return null;
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  skip(n: number): boolean {
    if (this.pos + n > this.buf.length) return false;
    this.pos += n;
    return true;
  }
}

/** Reads a possibly compressed name; null when it is malformed, too long or loops. */
export function readName(r: Reader): Buffer[] | null {
  const labels: Buffer[] = [];
  let wireLen = 1;
  let cursor = r.pos;
  let resumeAt: number | null = null;
  let jumps = 0;
  for (;;) {
    if (cursor >= r.buf.length) return null;
    const len = r.buf[cursor] ?? 0;
    if (len === 0) {
      cursor += 1;
      break;
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (cursor + 2 > r.buf.length) return null;
      const target = r.buf.readUInt16BE(cursor) & 0x3fff;
      // Strictly backwards pointers can never cycle; the jump cap is a second belt.
      if (target >= cursor || ++jumps > MAX_POINTER_JUMPS) return null;
      resumeAt ??= cursor + 2;
      cursor = target;
      continue;
    }
    if (kind !== 0) return null; // 0x40/0x80 label types are obsolete or unassigned
    if (cursor + 1 + len > r.buf.length) return null;
    wireLen += len + 1;
    if (wireLen > MAX_NAME_WIRE_LEN || labels.length >= MAX_LABELS) return null;
    labels.push(r.buf.subarray(cursor + 1, cursor + 1 + len));
    cursor += len + 1;
  }
  r.pos = resumeAt ?? cursor;
  return labels;
}

const SAFE_LABEL_BYTE = /^[a-z0-9_-]$/;

/** Presentation form, lower-cased; unusual bytes are escaped so they can never match a real name. */
export function toPresentationName(labels: readonly Buffer[]): string {
  return labels
    .map((label) =>
      Array.from(label, (byte) => {
        const ch = String.fromCharCode(byte).toLowerCase();
        return SAFE_LABEL_BYTE.test(ch) ? ch : `\\${String(byte).padStart(3, '0')}`;
      }).join(''),
    )
    .join('.');
}

/** Encodes a presentation name; throws on names we built wrong ourselves, never on input. */
export function encodeName(name: string): Buffer {
  const labels = name
    .replace(/\.$/, '')
    .split('.')
    .filter((l) => l.length > 0);
  const parts: Buffer[] = [];
  for (const label of labels) {
    const bytes = Buffer.from(label, 'ascii');
    if (bytes.length > 63) throw new RangeError(`DNS label longer than 63 bytes in ${name}`);
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  const out = Buffer.concat(parts);
  if (out.length > MAX_NAME_WIRE_LEN) throw new RangeError(`DNS name longer than 255 bytes: ${name}`);
  return out;
}

export function u16pair(a: number, b: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt16BE(a, 0);
  out.writeUInt16BE(b, 2);
  return out;
}
