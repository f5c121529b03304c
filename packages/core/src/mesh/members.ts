import { parseMeshEndpoint } from './endpoint.js';
import { isWireGuardKey } from './keys.js';
import { meshPeersFor, type MeshMember, type MeshPeer } from './peers.js';
import { isIpv4Address, parseMeshSubnet } from './subnet.js';

/** A server as the store has it: its agent's word on key and endpoint, berthd's address. */
export interface MeshCandidate {
  id: string;
  removed: boolean;
  publicKey: string | null;
  endpoint: string | null;
  meshIp: string | null;
}

/**
 * The fleet's mesh members, in the candidates' order: servers not removed with a key and an
 * address. A key or address already taken by an earlier candidate leaves the later one out (an
 * agent cannot take over another server's peer slot by sending its public key, and one bad row
 * must not stop every server's mesh); an endpoint that is not `ip:port` becomes none.
 */
export function meshMembers(candidates: readonly MeshCandidate[]): MeshMember[] {
  const keys = new Set<string>();
  const ips = new Set<string>();
  const members: MeshMember[] = [];
  for (const c of candidates) {
    if (c.removed || c.publicKey === null || c.meshIp === null) continue;
    if (!isWireGuardKey(c.publicKey) || !isIpv4Address(c.meshIp)) continue;
    if (keys.has(c.publicKey) || ips.has(c.meshIp)) continue;
    keys.add(c.publicKey);
    ips.add(c.meshIp);
    const endpoint = c.endpoint === null ? null : parseMeshEndpoint(c.endpoint);
    members.push({ id: c.id, publicKey: c.publicKey, meshIp: c.meshIp, endpoint });
  }
  return members;
}

/** What one server's interface should be: its address with the subnet's prefix, and its peers. */
export interface MeshInterfacePlan {
  /** `a.b.c.d/len`. */
  address: string;
  peers: MeshPeer[];
}

/** Server `serverId`'s interface among `members`; null when it is not a member. */
export function meshPlanFor(
  serverId: string,
  members: readonly MeshMember[],
  subnet: string,
): MeshInterfacePlan | null {
  const self = members.find((m) => m.id === serverId);
  if (!self) return null;
  const { prefixLength } = parseMeshSubnet(subnet);
  return { address: `${self.meshIp}/${prefixLength}`, peers: meshPeersFor(serverId, members) };
}
