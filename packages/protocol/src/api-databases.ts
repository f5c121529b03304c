import { z } from 'zod';
import { AppName, EnvKey, Id, TeamName } from './names.js';
import { ServerName } from './api-servers.js';
import { MemoryLimitMiB } from './runtime.js';

const Timestamp = z.string().describe('RFC 3339 timestamp');

/**
 * Managed databases (issue 12, `berth db …`). A database's name is the team's word for it
 * (`main`), checked like an app name (a DNS label: no spaces, quotes, `$`, `;`, `/` or `.`), so
 * `x; rm -rf /`, `../` and `$(…)` are refused before anything is written. No name a person types
 * reaches an engine, a shell, a SQL string or a file path: the engine's user, database and
 * password are Berth's (@berth/core's generateDatabaseCredentials).
 */
export const DatabaseName = AppName;

/** `mysql` is served by MariaDB (Debian 12 packages MariaDB, not Oracle's MySQL). */
export const DATABASE_ENGINES = ['postgres', 'mysql', 'redis'] as const;
export const DatabaseEngine = z.enum(DATABASE_ENGINES);
export type DatabaseEngine = z.infer<typeof DatabaseEngine>;

/**
 * The versions offered: the ones `berth images bootstrap` builds from Debian 12 (bookworm)
 * packages. One per engine; a new Debian release adds the next.
 */
export const DATABASE_VERSIONS: Record<DatabaseEngine, readonly string[]> = {
  postgres: ['15'],
  mysql: ['10.11'],
  redis: ['7.0'],
};

/** The words `db create --help` and errors use for each engine and its version. */
export const DATABASE_PRODUCTS: Record<DatabaseEngine, string> = {
  postgres: 'PostgreSQL',
  mysql: 'MariaDB',
  redis: 'Redis',
};

export const DatabaseVersion = z
  .string()
  .regex(/^[0-9]{1,3}(\.[0-9]{1,3})?$/, { message: 'must be a version number like 15 or 10.11' });

export const DatabasePublicPort = z.number().int().min(1024).max(65_535);

export const DatabaseCreate = z
  .object({
    name: DatabaseName,
    engine: DatabaseEngine,
    /** Default: the engine's only version (DATABASE_VERSIONS). */
    version: DatabaseVersion.optional(),
    /** The server it (and its volume) lives on; default as for volumes. */
    server: ServerName.optional(),
    /** Default 512 MiB. */
    memoryMiB: MemoryLimitMiB.optional(),
    /**
     * Also reachable from outside on this port of the server's edge address (default: the team's
     * private network only). 1024–65535, one database per port and server.
     */
    publicPort: DatabasePublicPort.optional(),
    team: TeamName.optional(),
  })
  .strict()
  .refine((d) => d.version === undefined || DATABASE_VERSIONS[d.engine].includes(d.version), {
    message: 'is not a version Berth offers for this engine (postgres 15, mysql 10.11, redis 7.0)',
    path: ['version'],
  });
export type DatabaseCreate = z.infer<typeof DatabaseCreate>;

/**
 * `berth backups restore DB BACKUP [--to NEW]`: a verified backup of DB restored into a new
 * database NEW, or (no `to`) into DB itself, on a new volume it then restarts on.
 */
export const DatabaseRestoreBody = z
  .object({
    backup: Id,
    /** The new database's name (same engine and version as the backup's source); absent: DB itself. */
    to: DatabaseName.optional(),
    team: TeamName.optional(),
    /** Where the new database runs; default the source's server. Not with a restore in place. */
    server: ServerName.optional(),
  })
  .strict()
  .refine((b) => b.to !== undefined || b.server === undefined, {
    message: 'a restore in place stays on the database’s server: give --to NEW to restore elsewhere',
    path: ['server'],
  });
export type DatabaseRestoreBody = z.infer<typeof DatabaseRestoreBody>;

export const DatabaseRestoreResult = z.object({
  /** The new database, starting on the restored data (its deployment). */
  database: DatabaseName,
  backup: Id,
  deploymentId: Id,
  /** The read-back check, the load's tool output and the comparison with the source at dump time. */
  output: z.string(),
  /** A restore in place: the volume DB's data was on before, kept (delete it with `volumes delete`). */
  previousVolume: z.string().nullable(),
});
export type DatabaseRestoreResult = z.infer<typeof DatabaseRestoreResult>;

export const DatabaseParams = z.object({ name: DatabaseName }).strict();
export const DatabaseLinkParams = z.object({ name: DatabaseName, app: AppName }).strict();

export const DatabaseLinkResult = z.object({
  app: AppName,
  as: z.string(),
  /** The app's new release rolling the change out; null when the app has not been deployed yet. */
  deploymentId: Id.nullable(),
});
export type DatabaseLinkResult = z.infer<typeof DatabaseLinkResult>;

export const DatabaseLinkRequest = z
  .object({
    app: AppName,
    /** The secret's name in the app; default DATABASE_URL (REDIS_URL for redis is not assumed). */
    as: EnvKey.optional(),
    /** The team of both (default: the caller's). */
    team: TeamName.optional(),
  })
  .strict();
export type DatabaseLinkRequest = z.infer<typeof DatabaseLinkRequest>;

export const DATABASE_STATUSES = ['starting', 'running', 'server-down', 'stopped', 'failed'] as const;
export const DatabaseStatus = z.enum(DATABASE_STATUSES);

export const Database = z.object({
  id: Id,
  name: DatabaseName,
  team: TeamName,
  engine: DatabaseEngine,
  version: z.string(),
  server: ServerName,
  /** The volume its data lives on. */
  volume: z.string(),
  memoryMiB: z.number().int(),
  /** Published on the server's edge address too (`--public-port`); null: its team's private network only. */
  publicPort: z.number().int().nullable(),
  status: DatabaseStatus,
  /** `host:port` apps of its team connect to. */
  privateAddress: z.string(),
  /** Apps it is linked into, and under which secret name. */
  links: z.array(z.object({ app: AppName, as: z.string() })),
  /** The Berth-managed app that runs it (`berth logs` and `berth restart` take this name). */
  workload: AppName.nullable(),
  /** The workload's latest deployment (its first start, a restart): follow it for progress. */
  deploymentId: Id.nullable(),
  /** Its newest verified backup (`berth backups list NAME` has them all), or null. */
  lastVerifiedBackup: z.object({ id: Id, target: z.string(), at: Timestamp }).nullable(),
  /** The client `berth db shell` runs in its container. */
  shell: z.array(z.string()),
  /**
   * Bytes its data takes on its volume, as its running container sees them (`du`), asked of its
   * agent for `db show` only; null in lists, and when the agent or the container is not there.
   */
  sizeBytes: z.number().int().min(0).nullable().default(null),
  createdAt: Timestamp,
});
export type Database = z.infer<typeof Database>;

/** database.size: what a database's data takes on its volume, from inside its running container. */
export const DatabaseSizeParams = z.object({ appId: Id }).strict();
export type DatabaseSizeParams = z.infer<typeof DatabaseSizeParams>;
export const DatabaseSizeResult = z.object({ bytes: z.number().int().min(0).nullable() });
export type DatabaseSizeResult = z.infer<typeof DatabaseSizeResult>;

/**
 * The engine image a database runs from: the bootstrapped base image (built in the build
 * sandbox's store by `berth images bootstrap`), handed to the engine by the agent the first time
 * it is resolved there.
 */
export const DATABASE_IMAGE_KINDS: Record<DatabaseEngine, 'postgres' | 'mariadb' | 'redis'> = {
  postgres: 'postgres',
  mysql: 'mariadb',
  redis: 'redis',
};
export const databaseEngineImage = (engine: DatabaseEngine): string =>
  `localhost/berth/db-${DATABASE_IMAGE_KINDS[engine]}:bookworm`;
/** The base-store image an engine image is exported from. */
export const databaseBaseImage = (engine: DatabaseEngine): string =>
  `localhost/berth/base-${DATABASE_IMAGE_KINDS[engine]}:bookworm`;
/** The engine (if any) whose image `ref` is: the agent exports only these from the base store. */
export function databaseEngineOfImage(ref: string): DatabaseEngine | null {
  for (const engine of DATABASE_ENGINES) if (databaseEngineImage(engine) === ref) return engine;
  return null;
}

/** The name a team's apps reach a database by, on the server it runs on. */
export const databasePrivateHost = (name: string): string => `${name}.db.internal`;

/**
 * What an agent needs to run a database's workload beyond an app's: no edge route, the private
 * name answered with the replica's own address on the team network, and the engine's own health
 * command run in the container (an app's http/tcp probe is not used).
 */
export const DesiredDatabase = z.object({
  name: DatabaseName,
  engine: DatabaseEngine,
  port: z.number().int().min(1).max(65_535),
  health: z.object({
    command: z.array(z.string().min(1).max(200)).min(1).max(16),
    /** When set, the command's stdout (trimmed) must equal it (redis-cli exits 0 on NOAUTH). */
    expectOutput: z.string().max(100).nullable(),
  }),
  /** Published on the server's edge address at this port too; absent: private only. */
  publicPort: DatabasePublicPort.optional(),
});
export type DesiredDatabase = z.infer<typeof DesiredDatabase>;

export const DatabaseList = z.object({ databases: z.array(Database) });
export type DatabaseList = z.infer<typeof DatabaseList>;
