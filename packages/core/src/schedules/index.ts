export * from './parse.js';
export * from './missed-runs.js';
export * from './concurrency.js';
