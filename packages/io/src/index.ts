export * from './atomic-file.js';
export * from './wake-loop.js';
export * from './executable.js';
export * from './serial-queue.js';
export * from './changed-file.js';
export * from './tcp-probe.js';
