/**
 * Reads a response of the upstream DNS service back, for tests and probes, through dns-packet.
 */
import dnsPacket, { type Answer } from 'dns-packet';

export interface DnsResponse {
  id: number;
  rcode: number;
  authoritative: boolean;
  truncated: boolean;
  /** The question's name, lower-case, without the trailing dot. */
  name: string;
  srv: { target: string; port: number; ttl: number }[];
  a: { ip: string; ttl: number }[];
  hasOpt: boolean;
}

const toName = (name: string): string => name.toLowerCase().replace(/\.$/, '');

/** Null when the bytes are not a DNS message dns-packet can read. */
export function parseDnsResponse(buf: Buffer): DnsResponse | null {
  try {
    const packet = dnsPacket.decode(buf);
    const records: Answer[] = [...(packet.answers ?? []), ...(packet.additionals ?? [])];
    const out: DnsResponse = {
      id: packet.id ?? 0,
      // dns-packet's typings leave out its `rcode`; it is the header's low four bits.
      rcode: (packet.flags ?? 0) & 0x0f,
      authoritative: packet.flag_aa,
      truncated: packet.flag_tc,
      name: toName(packet.questions?.at(-1)?.name ?? ''),
      srv: [],
      a: [],
      hasOpt: false,
    };
    for (const r of records) {
      if (r.type === 'SRV')
        out.srv.push({ target: toName(r.data.target), port: r.data.port, ttl: r.ttl ?? 0 });
      else if (r.type === 'A') out.a.push({ ip: r.data, ttl: r.ttl ?? 0 });
      else if (r.type === 'OPT') out.hasOpt = true;
    }
    return out;
  } catch {
    return null;
  }
}
