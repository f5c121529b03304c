/**
 * Every value that reaches `ip`, `wg` or `nsenter` is checked here first. They run without a
 * shell, but an argument that starts with `-` or names another device would still be a
 * different command.
 */
import { BerthError } from '@berth/protocol';
import { isIpv4Address, isWireGuardKey, parseMeshEndpoint, type MeshPeer } from '@berth/core';

/**
 * Interface names: at most 15 bytes (IFNAMSIZ), a letter first. wireguard-go's control socket is
 * /var/run/wireguard/NAME.sock, outside any network namespace, so names are unique per machine.
 */
export const INTERFACE_NAME = /^[a-z][a-z0-9_-]{0,14}$/;
/** A name under /run/netns: no dots, so never `..`. */
const NETNS_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
/** An absolute path without control characters or `..` components (spaces are fine: no shell). */
const ABSOLUTE_PATH = /^\/[^\x00-\x1f\x7f]*$/;

const invalid = (what: string, value: unknown): BerthError =>
  new BerthError('VALIDATION_FAILED', `Invalid ${what} for the WireGuard mesh: ${JSON.stringify(value)}`);

export function checkInterfaceName(name: string): string {
  if (!INTERFACE_NAME.test(name)) throw invalid('interface name (a-z, 0-9, _ and -, at most 15)', name);
  return name;
}

export function checkNetnsName(name: string): string {
  if (!NETNS_NAME.test(name)) throw invalid('network namespace name', name);
  return name;
}

export function checkAbsolutePath(path: string): string {
  if (!ABSOLUTE_PATH.test(path) || path.split('/').includes('..')) throw invalid('file path', path);
  return path;
}

export function checkListenPort(port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid('listen port', port);
  return port;
}

/** `a.b.c.d/len`: the interface's own address and the length of the mesh subnet's prefix. */
export function checkInterfaceAddress(cidr: string): string {
  const [address = '', length = '', ...rest] = cidr.split('/');
  if (rest.length > 0 || !isIpv4Address(address) || !/^[0-9]{1,2}$/.test(length) || Number(length) > 32)
    throw invalid('interface address (a.b.c.d/len)', cidr);
  return cidr;
}

function checkAllowedIp(cidr: string): string {
  const [address = '', length, ...rest] = cidr.split('/');
  if (rest.length > 0 || !isIpv4Address(address) || length !== '32')
    throw invalid('allowed IP (a.b.c.d/32)', cidr);
  return cidr;
}

export function checkPublicKey(key: string): string {
  if (!isWireGuardKey(key)) throw invalid('public key', key);
  return key;
}

/** The peers, checked; throws VALIDATION_FAILED on the first bad value or a key used twice. */
export function checkPeers(peers: readonly MeshPeer[]): readonly MeshPeer[] {
  const keys = new Set<string>();
  for (const peer of peers) {
    checkPublicKey(peer.publicKey);
    if (keys.has(peer.publicKey)) throw invalid('peer list (a public key twice)', peer.publicKey);
    keys.add(peer.publicKey);
    peer.allowedIps.forEach(checkAllowedIp);
    if (peer.endpoint !== null && parseMeshEndpoint(peer.endpoint) !== peer.endpoint)
      throw invalid('endpoint (ip:port)', peer.endpoint);
    const keepalive = peer.persistentKeepaliveSeconds;
    if (keepalive !== null && (!Number.isInteger(keepalive) || keepalive < 1 || keepalive > 65535))
      throw invalid('persistent keepalive', keepalive);
  }
  return peers;
}
