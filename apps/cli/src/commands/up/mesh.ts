/**
 * `--mesh-subnet`: the private IPv4 range berthd gives the fleet's servers their WireGuard
 * addresses from. Pick one no server's own networks use; it cannot be changed for servers that
 * already have an address.
 */
import { DEFAULT_MESH_SUBNET, parseMeshSubnet } from '@berth/core';
import { isBerthError } from '@berth/protocol';
import { EXIT } from '../../cli/exit-codes.js';
import { CliError } from '../../cli/output.js';

export const MESH_SUBNET_OPTION = [
  '--mesh-subnet <cidr>',
  `private IPv4 range of the servers' WireGuard mesh addresses (default ${DEFAULT_MESH_SUBNET})`,
] as const;

export function checkMeshSubnet(flag: string | undefined): string | null {
  if (flag === undefined) return null;
  try {
    return parseMeshSubnet(flag).cidr;
  } catch (err) {
    throw new CliError(
      isBerthError(err) ? err.message : String(err),
      EXIT.userError,
      `For example --mesh-subnet ${DEFAULT_MESH_SUBNET}`,
    );
  }
}
