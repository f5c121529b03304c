export * from './mount-path.js';
export * from './engine-name.js';
