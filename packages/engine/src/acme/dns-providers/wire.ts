/** The few pieces of DNS wire format the RFC 2136 and TSIG code writes and reads itself. */

/** Canonical (lower-case, uncompressed) wire form of a name given without its final dot. */
export function encodeName(name: string): Buffer {
  const labels = name === '' ? [] : name.toLowerCase().split('.');
  const parts = labels.map((label) => {
    const bytes = Buffer.from(label, 'ascii');
    if (bytes.length < 1 || bytes.length > 63) throw new RangeError(`not a DNS label: ${label}`);
    return Buffer.concat([Buffer.from([bytes.length]), bytes]);
  });
  return Buffer.concat([...parts, Buffer.from([0])]);
}

/** The offset just past a (possibly compressed) name starting at `offset`. */
export function skipName(buf: Buffer, offset: number): number {
  let at = offset;
  for (;;) {
    const len = buf.readUInt8(at);
    if (len === 0) return at + 1;
    if ((len & 0xc0) === 0xc0) return at + 2;
    if ((len & 0xc0) !== 0) throw new RangeError('unknown label type');
    at += 1 + len;
  }
}

/** The name at `offset`, compression pointers followed (at most 64 of them), lower-case, no final dot. */
export function readName(buf: Buffer, offset: number): string {
  const labels: string[] = [];
  let at = offset;
  for (let jumps = 0; jumps <= 64;) {
    const len = buf.readUInt8(at);
    if (len === 0) return labels.join('.').toLowerCase();
    if ((len & 0xc0) === 0xc0) {
      at = buf.readUInt16BE(at) & 0x3fff;
      jumps++;
      continue;
    }
    if ((len & 0xc0) !== 0 || at + 1 + len > buf.length) throw new RangeError('malformed name');
    labels.push(buf.toString('latin1', at + 1, at + 1 + len));
    at += 1 + len;
  }
  throw new RangeError('a compression loop');
}

/** The offset just past a resource record starting at `offset`. */
export function skipRecord(buf: Buffer, offset: number): number {
  const at = skipName(buf, offset);
  const end = at + 10 + buf.readUInt16BE(at + 8);
  if (end > buf.length) throw new RangeError('record ends past the message');
  return end;
}

export function writeUint48(n: number): Buffer {
  const b = Buffer.alloc(6);
  b.writeUIntBE(n, 0, 6);
  return b;
}

export const readUint48 = (buf: Buffer, offset: number): number => buf.readUIntBE(offset, 6);
