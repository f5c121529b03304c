export { createWireGuard } from './wireguard.js';
export type { InterfaceKind, InterfaceSpec, WireGuard, WireGuardOptions } from './wireguard.js';
export { ensureMeshKeyPair, MESH_PRIVATE_KEY_FILE } from './keys.js';
export type { MeshKeyPair } from './keys.js';
export { findWireGuardTools } from './tools.js';
export type { WireGuardTools } from './tools.js';
export type { WireGuardPeerStatus, WireGuardStatus } from './dump.js';
export { checkInterfaceName, INTERFACE_NAME as MESH_INTERFACE_NAME_PATTERN } from './values.js';
/** WireGuard's customary port: where a server's interface listens unless told otherwise. */
export const DEFAULT_MESH_PORT = 51820;
/** A server's mesh interface unless told otherwise. */
export const DEFAULT_MESH_INTERFACE = 'berth-mesh';
