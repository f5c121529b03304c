import { assignMeshAddress } from '@berth/core';
import type { Store } from '@berth/store';
import type { FastifyBaseLogger } from 'fastify';

/** A few tries: each loses only to another server's assignment in between. */
const ATTEMPTS = 5;

/**
 * Gives a server that sent a mesh key its mesh address, once: the lowest free one of the subnet.
 * Addresses of removed servers stay taken (see migration 0011). Racing connections are settled by
 * the store's unique index: the loser reads again and picks the next. Every server learns the new
 * member with the push that follows the burst of connections (fleet-pushes.ts: the members
 * changed).
 */
export async function ensureMeshAddress(
  store: Store,
  serverId: string,
  subnet: string,
  log: FastifyBaseLogger,
): Promise<void> {
  // One row on every connection; the whole fleet's addresses only for a server that needs one.
  const self = await store.servers.get(serverId);
  if (!self?.mesh || self.meshIp !== null) return;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const ip = assignMeshAddress(subnet, await store.servers.meshIps());
    if (ip === null) {
      log.error(
        { server: self.name, subnet },
        'the mesh subnet is full: this server stays out of the mesh (a larger BERTHD_MESH_SUBNET makes room)',
      );
      return;
    }
    if (await store.servers.assignMeshIp(serverId, ip)) {
      log.info({ server: self.name, meshIp: ip }, 'gave the server its mesh address');
      return;
    }
  }
  log.error({ serverId }, 'could not give the server a mesh address: others kept taking the free one');
}
