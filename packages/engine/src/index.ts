export * from './proxy/index.js';
export * from './container/index.js';
export * from './podman/index.js';
