export { startRegistry, writeRegistryUsers } from './start.js';
export type { RunningRegistry, StartRegistryOptions } from './start.js';
export { renderHtpasswd, checkRegistryUsers, REGISTRY_USER_NAME } from './htpasswd.js';
export type { RegistryUser } from './htpasswd.js';
export { parseRegistryListen, renderRegistryConfig } from './config.js';
export { readStoredManifest } from './manifest.js';
export type { StoredManifest, ManifestLocation } from './manifest.js';
