import {
  HEALTH_DEFAULTS,
  LIMIT_DEFAULTS,
  databaseEngineImage,
  type DatabaseEngine,
  type DesiredDatabase,
  type HealthCheck,
  type ResourceLimits,
} from '@berth/protocol';
import { sortedEnv } from '../app-spec.js';
import { databaseContainerSpec, databaseHealth, DATABASE_DATA_DIR } from './container-spec.js';
import type { DatabaseCredentials, RandomSource } from './credentials.js';
import { DATABASE_ENGINE_INFO } from './engines.js';

/**
 * A managed database as the app-like workload berthd runs it by (one replica, `recreate`, its
 * volume at DATABASE_DATA_DIR, pinned where the volume is): everything the app row, its secrets
 * and its release need, from the engine and the generated credentials. The password and the
 * Redis client's copy of it are secrets (sealed, sent sealed to the one agent); the rest is env.
 */
export interface DatabaseWorkload {
  image: string;
  command: string[];
  port: number;
  env: Record<string, string>;
  secrets: Record<string, string>;
  /** An app's probe: never used for a workload (the agent runs `database.health`), kept honest. */
  health: HealthCheck;
  limits: ResourceLimits;
  mountPath: string;
  /** What the agent needs beyond an app's: DesiredApp.database. */
  desired: DesiredDatabase;
}

/** Environment variables that carry the password: secrets, never plain env. */
const SECRET_ENV = new Set(['BERTH_DB_PASSWORD', 'REDISCLI_AUTH']);

/**
 * First start initialises the data directory (initdb, mariadb-install-db): minutes on a slow
 * disk, so the rollout waits longer for a database than the app default.
 */
const FIRST_START_TIMEOUT_MS = 300_000;

export function databaseWorkload(
  engine: DatabaseEngine,
  name: string,
  credentials: DatabaseCredentials,
  memoryMiB: number,
): DatabaseWorkload {
  const spec = databaseContainerSpec(engine, credentials, memoryMiB);
  const env: Record<string, string> = {};
  const secrets: Record<string, string> = {};
  for (const [k, v] of Object.entries(spec.env)) (SECRET_ENV.has(k) ? secrets : env)[k] = v;
  const health = databaseHealth(engine);
  return {
    image: databaseEngineImage(engine),
    command: spec.command,
    port: spec.port,
    env: sortedEnv(env),
    secrets,
    health: {
      ...HEALTH_DEFAULTS,
      type: 'tcp',
      intervalMs: health.intervalMs,
      timeoutMs: FIRST_START_TIMEOUT_MS,
    },
    limits: { ...LIMIT_DEFAULTS, memoryMiB },
    mountPath: DATABASE_DATA_DIR,
    desired: desiredDatabase(engine, name),
  };
}

/** What the agent is told of a database's workload (DesiredApp.database). */
export function desiredDatabase(
  engine: DatabaseEngine,
  name: string,
  publicPort: number | null = null,
): DesiredDatabase {
  const health = databaseHealth(engine);
  return {
    name,
    engine,
    port: DATABASE_ENGINE_INFO[engine].port,
    health: { command: health.command, expectOutput: health.expectOutput },
    ...(publicPort !== null && { publicPort }),
  };
}

const HEX = '0123456789abcdef';

/**
 * The workload app's name: `db-` and 10 random hex digits. App names are unique in the whole
 * installation while a database's name is unique in its team, so the workload cannot take it.
 */
export function databaseWorkloadName(random: RandomSource): string {
  let out = 'db-';
  for (const byte of random(10)) out += HEX[byte % 16];
  return out;
}
