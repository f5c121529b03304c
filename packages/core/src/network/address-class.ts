/**
 * What kind of address an IP address is, for deciding where Berth may send requests on a
 * user's behalf (S3 endpoints, webhooks): an agent runs as root on a server inside someone's
 * network, so a URL that leads to loopback, the LAN or a cloud metadata service is a way in
 * (SSRF). Pure: the caller resolves names; this only classifies the answers.
 *
 * IPv4 embedded in IPv6 (mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) is
 * classified as the IPv4 address it leads to. IPv6 outside global unicast (2000::/3) is
 * `reserved`.
 */
import { parseIpAddress } from './addresses.js';

export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'cgnat'
  | 'multicast'
  | 'unspecified'
  | 'metadata'
  | 'reserved';

type Range4 = readonly [base: string, prefix: number, kind: AddressClass];

// First match wins: the metadata addresses come before the ranges that contain them.
const IPV4_RANGES: readonly Range4[] = [
  ['169.254.169.254', 32, 'metadata'], // AWS, GCP, Azure, OpenStack, DigitalOcean…
  ['168.63.129.16', 32, 'metadata'], // Azure's wire server, a public address
  ['100.100.100.200', 32, 'metadata'], // Alibaba Cloud
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'cgnat'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'reserved'],
  ['192.88.99.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'],
  ['198.51.100.0', 24, 'reserved'],
  ['203.0.113.0', 24, 'reserved'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

const ipv4Number = (address: string): number =>
  address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);

function classifyIpv4(address: string): AddressClass {
  const n = ipv4Number(address);
  for (const [base, prefix, kind] of IPV4_RANGES) {
    const size = 2 ** (32 - prefix);
    const start = ipv4Number(base);
    if (n >= start && n < start + size) return kind;
  }
  return 'public';
}

/** The eight 16-bit groups of a canonical IPv6 address (as the WHATWG URL parser prints it). */
function ipv6Groups(address: string): number[] {
  const [head = '', tail] = address.split('::');
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

const ipv4Of = (high: number, low: number): string => `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;

function classifyIpv6(address: string): AddressClass {
  const g = ipv6Groups(address);
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const zeroUpTo = (n: number): boolean => g.slice(0, n).every((x) => x === 0);
  if (zeroUpTo(8)) return 'unspecified';
  if (zeroUpTo(7) && g7 === 1) return 'loopback';
  if (zeroUpTo(5) && g5 === 0xffff) return classifyIpv4(ipv4Of(g6, g7));
  if (zeroUpTo(6)) return 'reserved'; // IPv4-compatible, deprecated
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    return classifyIpv4(ipv4Of(g6, g7));
  }
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 1) return 'private'; // local-use NAT64
  if (g0 === 0x2002) return classifyIpv4(ipv4Of(g1, g2));
  if (g0 === 0xfd00 && g1 === 0x0ec2 && g.slice(2, 7).every((x) => x === 0) && g7 === 0x254) {
    return 'metadata'; // AWS's IPv6 instance metadata, fd00:ec2::254
  }
  if ((g0 & 0xfe00) === 0xfc00) return 'private'; // ULA fc00::/7
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local';
  if ((g0 & 0xffc0) === 0xfec0) return 'private'; // site-local, deprecated
  if ((g0 & 0xff00) === 0xff00) return 'multicast';
  if (g0 === 0x2001 && g1 === 0x0db8) return 'reserved'; // documentation
  if (g0 === 0x2001 && g1 === 0) return 'reserved'; // Teredo: leads to a hidden IPv4 address
  if (g0 === 0x0100 && g1 === 0 && g2 === 0 && g3 === 0) return 'reserved'; // discard
  return (g0 & 0xe000) === 0x2000 ? 'public' : 'reserved';
}

/** The class of an IP address (IPv4 dotted, or IPv6 in any form), or null when it is not one. */
export function classifyIpAddress(raw: string): AddressClass | null {
  const ip = parseIpAddress(raw);
  if (ip === null) return null;
  return ip.family === 4 ? classifyIpv4(ip.address) : classifyIpv6(ip.address);
}

/** What `allowPrivate` opens: a LAN MinIO, an S3 server on this host. Never metadata or link-local. */
export const PRIVATE_ADDRESS_CLASSES: readonly AddressClass[] = ['loopback', 'private', 'cgnat'];

export const isAllowedAddressClass = (kind: AddressClass, allowPrivate: boolean): boolean =>
  kind === 'public' || (allowPrivate && PRIVATE_ADDRESS_CLASSES.includes(kind));
