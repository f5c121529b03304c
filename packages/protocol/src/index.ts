export * from './names.js';
export * from './errors.js';
export * from './api.js';
export * from './agent.js';
export * from './validation.js';
