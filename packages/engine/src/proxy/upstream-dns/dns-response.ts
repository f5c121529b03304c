import { DNS_TYPE, HEADER_LEN, Reader, readName, toPresentationName } from './dns-wire.js';

export interface DnsResponse {
  id: number;
  rcode: number;
  authoritative: boolean;
  truncated: boolean;
  name: string;
  srv: { target: string; port: number; ttl: number }[];
  a: { ip: string; ttl: number }[];
  hasOpt: boolean;
}

/** Reads a response of this service back, for tests and probes; null when it is malformed. */
export function parseDnsResponse(buf: Buffer): DnsResponse | null {
  if (buf.length < HEADER_LEN) return null;
  const flags = buf.readUInt16BE(2);
  const r = new Reader(buf, HEADER_LEN);
  const qd = buf.readUInt16BE(4);
  const an = buf.readUInt16BE(6);
  const ar = buf.readUInt16BE(10);
  let name = '';
  for (let i = 0; i < qd; i++) {
    const labels = readName(r);
    if (labels === null || !r.skip(4)) return null;
    name = toPresentationName(labels);
  }
  const out: DnsResponse = {
    id: buf.readUInt16BE(0),
    rcode: flags & 0x0f,
    authoritative: (flags & 0x0400) !== 0,
    truncated: (flags & 0x0200) !== 0,
    name,
    srv: [],
    a: [],
    hasOpt: false,
  };
  for (let i = 0; i < an + ar; i++) {
    const owner = readName(r);
    const type = r.u16();
    if (owner === null || type === null || !r.skip(2) || r.pos + 6 > buf.length) return null;
    const ttl = buf.readUInt32BE(r.pos);
    r.pos += 4;
    const rdlen = r.u16();
    if (rdlen === null || r.pos + rdlen > buf.length) return null;
    const end = r.pos + rdlen;
    if (type === DNS_TYPE.SRV && rdlen >= 7) {
      const port = buf.readUInt16BE(r.pos + 4);
      r.pos += 6;
      const target = readName(r);
      if (target === null) return null;
      out.srv.push({ target: toPresentationName(target), port, ttl });
    } else if (type === DNS_TYPE.A && rdlen === 4) {
      out.a.push({ ip: Array.from(buf.subarray(r.pos, end)).join('.'), ttl });
    } else if (type === DNS_TYPE.OPT) {
      out.hasOpt = true;
    }
    r.pos = end;
  }
  return out;
}
