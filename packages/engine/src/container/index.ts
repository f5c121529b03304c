export * from './types.js';
export { createDockerApiEngine } from './docker-api-engine.js';
export type { DockerApiEngineOptions } from './docker-api-engine.js';
export * from './listen-sockets.js';
