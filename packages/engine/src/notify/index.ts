export * from './signature.js';
export * from './envelope.js';
export * from './deliver.js';
