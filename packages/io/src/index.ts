export * from './atomic-file.js';
export * from './wake-loop.js';
