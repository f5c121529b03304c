export * from './domain-name.js';
export * from './domain-create.js';
