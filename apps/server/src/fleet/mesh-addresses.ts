import { assignMeshAddress } from '@berth/core';
import type { Store } from '@berth/store';
import type { FastifyBaseLogger } from 'fastify';

/** A few tries: each loses only to another server's assignment in between. */
const ATTEMPTS = 5;

/**
 * Gives a server that sent a mesh key its mesh address, once: the lowest free one of the subnet.
 * Addresses of removed servers stay taken (see migration 0011). Racing connections are settled by
 * the store's unique index: the loser reads again and picks the next. True when it assigned one
 * (every server's peers change: the caller pushes).
 */
export async function ensureMeshAddress(
  store: Store,
  serverId: string,
  subnet: string,
  log: FastifyBaseLogger,
): Promise<boolean> {
  // One row on every connection; the whole fleet's addresses only for a server that needs one.
  const self = await store.servers.get(serverId);
  if (!self?.mesh || self.meshIp !== null) return false;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const ip = assignMeshAddress(subnet, await store.servers.meshIps());
    if (ip === null) {
      log.error(
        { server: self.name, subnet },
        'the mesh subnet is full: this server stays out of the mesh (a larger BERTHD_MESH_SUBNET makes room)',
      );
      return false;
    }
    if (await store.servers.assignMeshIp(serverId, ip)) {
      log.info({ server: self.name, meshIp: ip }, 'gave the server its mesh address');
      return true;
    }
  }
  log.error({ serverId }, 'could not give the server a mesh address: others kept taking the free one');
  return false;
}
