import {
  containsAddress,
  isIpv4Address,
  parseMeshSubnet,
  subnetSize,
  toIpv4Number,
  toIpv4Text,
} from './subnet.js';

/**
 * The lowest host address of `subnet` that is not in `taken`: never the network or broadcast
 * address. Addresses in `taken` outside the subnet (or not IPv4) cannot collide and are ignored.
 * Null when every host address is taken: the caller says which error that is (the subnet is
 * too small for the fleet). Throws VALIDATION_FAILED for a subnet that is not usable.
 */
export function assignMeshAddress(subnet: string, taken: readonly string[]): string | null {
  const net = parseMeshSubnet(subnet);
  const used = new Set<number>();
  for (const address of taken) {
    if (!isIpv4Address(address)) continue;
    const n = toIpv4Number(address);
    if (containsAddress(net, n)) used.add(n);
  }
  const broadcast = net.network + subnetSize(net.prefixLength) - 1;
  // At most used.size + 1 steps: the taken addresses are the only obstacles.
  for (let n = net.network + 1; n < broadcast; n++) {
    if (!used.has(n)) return toIpv4Text(n);
  }
  return null;
}
