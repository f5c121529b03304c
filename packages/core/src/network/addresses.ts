/**
 * IP addresses and host names as Berth's network settings use them. Pure: parsing only, no
 * lookups (node:net is not for core; the WHATWG URL parser canonicalises IPv6 for us).
 */

const IPV4 =
  /^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$/;

/** A lowercase DNS name (labels of letters, digits and inner hyphens), at most 253 characters. */
export const HOST_NAME_PATTERN =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

export type IpFamily = 4 | 6;

/** The canonical text of an IP address (IPv6 compressed, lowercase, no brackets), or null. */
export function parseIpAddress(raw: string): { address: string; family: IpFamily } | null {
  if (IPV4.test(raw)) return { address: raw, family: 4 };
  const bare = raw.startsWith('[') && raw.endsWith(']') ? raw.slice(1, -1) : raw;
  if (!/^[0-9A-Fa-f:.]+$/.test(bare) || !bare.includes(':')) return null;
  try {
    const host = new URL(`http://[${bare}]/`).hostname;
    return { address: host.slice(1, -1), family: 6 };
  } catch {
    return null;
  }
}

/** 0.0.0.0 or ::: listening there means every address of the host. */
export const isWildcardAddress = (address: string): boolean => address === '0.0.0.0' || address === '::';

/**
 * A host that names this machine itself: `localhost` (and names under it), 127.0.0.0/8, ::1 and
 * IPv4-mapped loopback. Traffic to it never leaves the host.
 */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  const ip = parseIpAddress(name);
  if (!ip) return false;
  if (ip.family === 4) return ip.address.startsWith('127.');
  return ip.address === '::1' || /^::ffff:(?:127\.|7f[0-9a-f]{2}:)/.test(ip.address);
}
