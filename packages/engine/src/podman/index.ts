export * from './host-config.js';
export { readPodmanHostFacts } from './host-facts.js';
export { findEngineSocket, pingEngineSocket } from './find-socket.js';
