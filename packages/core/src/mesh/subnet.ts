/**
 * The mesh subnet: the private IPv4 range berthd hands WireGuard addresses out of. Pure: IPv4 as
 * 32-bit numbers, no lookups.
 */
import { BerthError } from '@berth/protocol';

export const DEFAULT_MESH_SUBNET = '10.210.0.0/16';

const IPV4 =
  /^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$/;

export interface MeshSubnet {
  /** The network address as an unsigned 32-bit number. */
  network: number;
  prefixLength: number;
  /** Canonical `a.b.c.d/len`. */
  cidr: string;
}

/**
 * Ranges a mesh may use: RFC 1918 and the shared range of RFC 6598. A mesh on public addresses
 * would route a real part of the internet into the tunnel on every server.
 */
const PRIVATE_RANGES: readonly { network: number; prefixLength: number }[] = [
  { network: toIpv4Number('10.0.0.0'), prefixLength: 8 },
  { network: toIpv4Number('172.16.0.0'), prefixLength: 12 },
  { network: toIpv4Number('192.168.0.0'), prefixLength: 16 },
  { network: toIpv4Number('100.64.0.0'), prefixLength: 10 },
];

/** Whether `address` is an IPv4 address of a private range (RFC 1918, or RFC 6598's shared one). */
export function isPrivateIpv4(address: string): boolean {
  return IPV4.test(address) && PRIVATE_RANGES.some((r) => containsAddress(r, toIpv4Number(address)));
}

/** Between /8 and /30: smaller than /30 leaves no two hosts. */
const MIN_PREFIX = 8;
const MAX_PREFIX = 30;

export function isIpv4Address(raw: string): boolean {
  return IPV4.test(raw);
}

/** `a.b.c.d` → unsigned 32-bit number; the text must be a valid IPv4 address. */
export function toIpv4Number(address: string): number {
  return address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

export function toIpv4Text(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export const subnetSize = (prefixLength: number): number => 2 ** (32 - prefixLength);

export function containsAddress(subnet: { network: number; prefixLength: number }, n: number): boolean {
  return n >= subnet.network && n < subnet.network + subnetSize(subnet.prefixLength);
}

/** Whether IPv4 `address` lies in `a.b.c.d/len`; false for anything that is not IPv4. */
export function ipv4CidrContains(cidr: string, address: string): boolean {
  const [network = '', length = ''] = cidr.split('/');
  if (!IPV4.test(network) || !IPV4.test(address) || !/^[0-9]{1,2}$/.test(length) || Number(length) > 32)
    return false;
  const size = subnetSize(Number(length));
  const start = toIpv4Number(network) - (toIpv4Number(network) % size);
  return containsAddress({ network: start, prefixLength: Number(length) }, toIpv4Number(address));
}

function invalid(raw: string, why: string): BerthError {
  return new BerthError('VALIDATION_FAILED', `"${raw}" is not a usable mesh subnet: ${why}`, {
    hint: `Use a private IPv4 network such as ${DEFAULT_MESH_SUBNET}.`,
  });
}

/** Parses `a.b.c.d/len` into a mesh subnet, or throws VALIDATION_FAILED saying what is wrong. */
export function parseMeshSubnet(raw: string): MeshSubnet {
  const [address = '', length = '', ...rest] = raw.split('/');
  if (rest.length > 0 || !IPV4.test(address) || !/^[0-9]{1,2}$/.test(length)) {
    throw invalid(raw, 'write it as an IPv4 network, a.b.c.d/len');
  }
  const prefixLength = Number(length);
  if (prefixLength < MIN_PREFIX || prefixLength > MAX_PREFIX) {
    throw invalid(raw, `the prefix length must be between /${MIN_PREFIX} and /${MAX_PREFIX}`);
  }
  const network = toIpv4Number(address);
  if (network % subnetSize(prefixLength) !== 0) {
    const aligned = network - (network % subnetSize(prefixLength));
    throw invalid(raw, `host bits are set (the network is ${toIpv4Text(aligned)}/${prefixLength})`);
  }
  const inside = PRIVATE_RANGES.some((r) => prefixLength >= r.prefixLength && containsAddress(r, network));
  if (!inside)
    throw invalid(raw, 'it must lie inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10');
  return { network, prefixLength, cidr: `${address}/${prefixLength}` };
}
