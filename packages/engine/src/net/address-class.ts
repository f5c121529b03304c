/**
 * Which addresses an outgoing request from berthd or an agent must not reach on a team admin's
 * say-so: everything that is not the public internet. Classification only, no lookups.
 */
import { BlockList, isIP } from 'node:net';

export type AddressClass =
  'unspecified' | 'loopback' | 'private' | 'cgnat' | 'link-local' | 'metadata' | 'multicast' | 'reserved';

/** What each class is, for messages. */
export const ADDRESS_CLASS_TEXT: Readonly<Record<AddressClass, string>> = {
  unspecified: 'the unspecified address (it means this machine)',
  loopback: 'a loopback address (this machine)',
  private: 'a private-network address',
  cgnat: 'a carrier-grade NAT (100.64.0.0/10) address',
  'link-local': 'a link-local address',
  metadata: "a cloud provider's instance metadata address",
  multicast: 'a multicast address',
  reserved: 'a reserved or documentation address',
};

// Order matters: the first class whose ranges hold the address wins (metadata before link-local).
const RANGES: ReadonlyArray<readonly [AddressClass, string, number]> = [
  ['metadata', '169.254.169.254', 32], // AWS, GCP, Azure, OpenStack
  ['metadata', '100.100.100.200', 32], // Alibaba
  ['metadata', 'fd00:ec2::254', 128], // AWS over IPv6
  ['unspecified', '0.0.0.0', 8],
  ['unspecified', '::', 128],
  ['loopback', '127.0.0.0', 8],
  ['loopback', '::1', 128],
  ['private', '10.0.0.0', 8],
  ['private', '172.16.0.0', 12],
  ['private', '192.168.0.0', 16],
  ['private', 'fc00::', 7], // unique local
  ['private', 'fec0::', 10], // site-local (deprecated, still routable inside sites)
  ['private', '64:ff9b:1::', 48], // local-use NAT64
  ['cgnat', '100.64.0.0', 10],
  ['link-local', '169.254.0.0', 16],
  ['link-local', 'fe80::', 10],
  ['multicast', '224.0.0.0', 4],
  ['multicast', 'ff00::', 8],
  ['reserved', '240.0.0.0', 4], // includes 255.255.255.255
  ['reserved', '192.0.0.0', 24], // IETF protocol assignments (Oracle's metadata is 192.0.0.192)
  ['reserved', '192.0.2.0', 24],
  ['reserved', '198.18.0.0', 15],
  ['reserved', '198.51.100.0', 24],
  ['reserved', '203.0.113.0', 24],
  ['reserved', '2001:db8::', 32],
  ['reserved', '100::', 64], // discard-only
  ['reserved', '2001::', 32], // Teredo: hides an IPv4 address we cannot check
  ['reserved', '::', 96], // IPv4-compatible (deprecated), after the embedded check below
];

const lists: ReadonlyArray<readonly [AddressClass, BlockList]> = (() => {
  const byClass = new Map<AddressClass, BlockList>();
  for (const [cls, network, prefix] of RANGES) {
    let list = byClass.get(cls);
    if (!list) byClass.set(cls, (list = new BlockList()));
    list.addSubnet(network, prefix, isIP(network) === 6 ? 'ipv6' : 'ipv4');
  }
  // Keep RANGES' order of first appearance.
  return [...byClass.entries()];
})();

/**
 * The class of an IP address, or null for a public one. IPv6 addresses that carry an IPv4
 * address (mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are judged by it:
 * `::ffff:127.0.0.1` is loopback. Throws on text that is not an IP address.
 */
export function classifyAddress(address: string): AddressClass | null {
  const family = isIP(address);
  if (family === 0) throw new TypeError(`not an IP address: ${address}`);
  if (family === 6) {
    const inner = embeddedIpv4(address);
    if (inner !== null) return classifyAddress(inner);
  }
  const type = family === 6 ? 'ipv6' : 'ipv4';
  for (const [cls, list] of lists) if (list.check(address, type)) return cls;
  return null;
}

/** The IPv4 address inside an IPv6 one that carries it, or null. */
export function embeddedIpv4(address: string): string | null {
  const words = ipv6Words(address);
  if (!words) return null;
  const [w0 = 0, w1 = 0, w2 = 0, w3 = 0, w4 = 0, w5 = 0, w6 = 0, w7 = 0] = words;
  const zero = (...ws: number[]): boolean => ws.every((w) => w === 0);
  const v4 = (hi: number, lo: number): string => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  if (zero(w0, w1, w2, w3, w4) && w5 === 0xffff) return v4(w6, w7); // ::ffff:a.b.c.d
  if (w0 === 0x64 && w1 === 0xff9b && zero(w2, w3, w4, w5)) return v4(w6, w7); // 64:ff9b::a.b.c.d
  if (w0 === 0x2002) return v4(w1, w2); // 6to4
  // ::a.b.c.d (deprecated IPv4-compatible), but not :: and ::1.
  if (zero(w0, w1, w2, w3, w4, w5) && w6 !== 0) return v4(w6, w7);
  return null;
}

function ipv6Words(address: string): number[] | null {
  if (isIP(address) !== 6) return null;
  let text = address.split('%')[0] ?? '';
  // A trailing dotted IPv4 part becomes two hex words.
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((h) => parseInt(h, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const fill = 8 - left.length - right.length;
  if (fill < 0 || (tail === undefined && fill !== 0)) return null;
  return [...left, ...new Array<number>(fill).fill(0), ...right];
}
