export * from './names.js';
export * from './errors.js';
export * from './api.js';
export * from './api-trust.js';
export * from './agent.js';
export * from './validation.js';
export * from './source.js';
export * from './api-builds.js';
