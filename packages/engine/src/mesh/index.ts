export { createWireGuard } from './wireguard.js';
export type { InterfaceKind, InterfaceSpec, WireGuard, WireGuardOptions } from './wireguard.js';
export { ensureMeshKeyPair, MESH_PRIVATE_KEY_FILE } from './keys.js';
export type { MeshKeyPair } from './keys.js';
export { findWireGuardTools } from './tools.js';
export type { WireGuardTools } from './tools.js';
export type { WireGuardPeerStatus, WireGuardStatus } from './dump.js';
