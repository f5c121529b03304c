export * from './proxy/index.js';
export * from './container/index.js';
export * from './podman/index.js';
export * from './git/index.js';
export * from './builder/index.js';
export { createEngineApiClient } from './container/docker-api-engine.js';
export type { EngineHttpClient } from './container/engine-http.js';
export * from './firewall/index.js';
export * from './registry/index.js';
