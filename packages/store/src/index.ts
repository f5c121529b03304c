export type * from './types.js';
export { openSqliteStore } from './sqlite.js';
export { createStore } from './store.js';
export { DEFAULT_MAX_ATTEMPTS } from './repos/jobs.js';
export type { Database } from './schema.js';
