export type * from './types.js';
export type * from './types-identity.js';
export type * from './types-secrets.js';
export type * from './types-audit.js';
export type * from './types-builds.js';
export type * from './types-fleet.js';
export type * from './types-domains.js';
export type * from './types-volumes.js';
export type * from './types-notifications.js';
export type * from './types-cron.js';
export type * from './types-backups.js';
export type * from './types-databases.js';
export type * from './types-certificates.js';
export { openSqliteStore } from './sqlite.js';
export { createStore } from './store.js';
export { DEFAULT_MAX_ATTEMPTS } from './repos/jobs.js';
/** The meta key holding the audit chain's newest hash, for a verifier to compare the rows against. */
export { AUDIT_HEAD_KEY } from './repos/audit.js';
export type { Database } from './schema.js';
