/** The fleet's WireGuard mesh as berthd tells each member (DesiredState.mesh). */
import { z } from 'zod';
import { Id, WireGuardKey } from './names.js';

/** A server in the fleet's WireGuard mesh. */
export const MeshMemberSpec = z.object({
  id: Id,
  /** WireGuard public key: 32 bytes, base64. */
  publicKey: WireGuardKey,
  meshIp: z.ipv4(),
  /** `ip:port` where it can be dialed; null: it dials out only. */
  endpoint: z.string().max(64).nullable(),
});
export type MeshMemberSpec = z.infer<typeof MeshMemberSpec>;

/**
 * The fleet's WireGuard mesh, the same for every member: each agent finds itself by its public
 * key and peers with the others (core's meshPeersFor), so berthd serializes it once per change
 * for all. `signature` names this list: equal lists, equal signatures.
 */
export const MeshSpec = z.object({
  /** The mesh subnet, `a.b.c.d/len`: a member's interface is its meshIp with this prefix length. */
  subnet: z.string().max(18),
  members: z.array(MeshMemberSpec).max(10_000),
  signature: z.string().min(1).max(128),
});
export type MeshSpec = z.infer<typeof MeshSpec>;
