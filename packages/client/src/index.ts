export * from './client.js';
export * from './ndjson.js';
