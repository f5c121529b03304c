import type { MeshPeer } from '@berth/core';
import { checkInterfaceName, checkPeers, checkPublicKey } from './values.js';

/**
 * The `wg set` arguments that make `name`'s peers exactly `desired`, given the keys it has now:
 * one call, so wg applies it as one configuration change. Wanted peers are (re)stated whole —
 * `allowed-ips` replaces the list, keepalive is set or turned off — and peers not wanted any more
 * are removed. Unlike `wg syncconf` it leaves the interface's private key and port alone, so
 * Berth never has to read the private key to write a config. An endpoint cannot be cleared with
 * `wg set`; a peer that loses its endpoint keeps the last one (WireGuard roams to wherever its
 * authenticated packets come from anyway).
 */
export function planPeerArgs(
  name: string,
  currentKeys: readonly string[],
  desired: readonly MeshPeer[],
): string[] {
  const args = ['set', checkInterfaceName(name)];
  const wanted = new Set<string>();
  for (const peer of checkPeers(desired)) {
    wanted.add(peer.publicKey);
    args.push('peer', peer.publicKey, 'allowed-ips', peer.allowedIps.join(','));
    if (peer.endpoint !== null) args.push('endpoint', peer.endpoint);
    args.push(
      'persistent-keepalive',
      peer.persistentKeepaliveSeconds === null ? 'off' : String(peer.persistentKeepaliveSeconds),
    );
  }
  for (const key of currentKeys) {
    if (!wanted.has(checkPublicKey(key))) args.push('peer', key, 'remove');
  }
  return args;
}
