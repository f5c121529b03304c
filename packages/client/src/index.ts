export * from './client.js';
export * from './transport.js';
export * from './ndjson.js';
