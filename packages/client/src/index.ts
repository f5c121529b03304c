export * from './client.js';
export * from './transport.js';
export * from './tls.js';
export * from './ndjson.js';
