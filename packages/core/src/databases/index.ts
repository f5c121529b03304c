export * from './name.js';
export * from './engines.js';
export * from './credentials.js';
export * from './connection-url.js';
export * from './container-spec.js';
export * from './workload.js';
