import { BerthError } from '@berth/protocol';
import { parseMeshEndpoint } from './endpoint.js';
import { isWireGuardKey } from './keys.js';
import { isIpv4Address } from './subnet.js';

/** A server as the mesh knows it. */
export interface MeshMember {
  id: string;
  publicKey: string;
  meshIp: string;
  /** Where it can be dialed (`ip:port`), or null when it is behind NAT and can only dial out. */
  endpoint: string | null;
}

/** One `[Peer]` of a server's interface. */
export interface MeshPeer {
  serverId: string;
  publicKey: string;
  /** Only the peer's own mesh address: a peer cannot claim traffic for anyone else. */
  allowedIps: string[];
  endpoint: string | null;
  /**
   * Always set in a mesh: it keeps NAT mappings open for servers that cannot be dialed; turning
   * it on sends a keepalive at once, so a server whose interface was just (re)made starts a fresh
   * handshake instead of its peers sending into a session it no longer has (which WireGuard only
   * notices after ~15 s); and a recent handshake then means the peer is alive.
   */
  persistentKeepaliveSeconds: number | null;
}

/** Often enough for common NAT timeouts (WireGuard's own recommendation); a few bytes per peer. */
export const MESH_KEEPALIVE_SECONDS = 25;

function bad(member: MeshMember, what: string): BerthError {
  return new BerthError('INTERNAL', `Mesh member ${member.id} has ${what}`, {
    hint: 'Its row in the servers table is inconsistent; re-join the server with `berth agent join`.',
  });
}

function checkMembers(servers: readonly MeshMember[]): void {
  const keys = new Set<string>();
  const ips = new Set<string>();
  for (const s of servers) {
    if (!isWireGuardKey(s.publicKey)) throw bad(s, 'a public key that is not a WireGuard key');
    if (!isIpv4Address(s.meshIp)) throw bad(s, `a mesh address that is not IPv4 ("${s.meshIp}")`);
    if (s.endpoint !== null && parseMeshEndpoint(s.endpoint) === null) {
      throw bad(s, `an endpoint that is not ip:port ("${s.endpoint}")`);
    }
    // wg keeps one peer per key, and one owner per allowed address: a duplicate would silently
    // steal traffic from the other server.
    if (keys.has(s.publicKey)) throw bad(s, 'the public key of another member');
    if (ips.has(s.meshIp)) throw bad(s, `the mesh address of another member (${s.meshIp})`);
    keys.add(s.publicKey);
    ips.add(s.meshIp);
  }
}

/**
 * The peers server `serverId`'s interface should have: every other member, each allowed only its
 * own /32, with a keepalive, in a stable order (by id). A server that is not a member has none.
 * Two members that both lack an endpoint are still listed, though neither can start a handshake
 * with the other.
 * Throws INTERNAL when the members are inconsistent (a bad key, address or endpoint; a key or
 * address used twice).
 */
export function meshPeersFor(serverId: string, servers: readonly MeshMember[]): MeshPeer[] {
  checkMembers(servers);
  if (!servers.some((s) => s.id === serverId)) return [];
  return servers
    .filter((s) => s.id !== serverId)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((s) => ({
      serverId: s.id,
      publicKey: s.publicKey,
      allowedIps: [`${s.meshIp}/32`],
      endpoint: s.endpoint === null ? null : parseMeshEndpoint(s.endpoint),
      persistentKeepaliveSeconds: MESH_KEEPALIVE_SECONDS,
    }));
}
