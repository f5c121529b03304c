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

/** A port on the server's public addresses; below 1024 are the host's own services. */
export const DatabasePublicPort = z
  .number()
  .int()
  .min(1024, { message: 'must be at least 1024' })
  .max(65_535, { message: 'must be at most 65535' });

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
    /** Published on the server's addresses; none: reachable on the team's private network only. */
    publicPort: DatabasePublicPort.optional(),
    team: TeamName.optional(),
  })
  .strict()
  .refine((d) => d.version === undefined || DATABASE_VERSIONS[d.engine].includes(d.version), {
    message: 'is not a version Berth offers for this engine (postgres 15, mysql 10.11, redis 7.0)',
    path: ['version'],
  });
export type DatabaseCreate = z.infer<typeof DatabaseCreate>;

export const DatabaseParams = z.object({ name: DatabaseName }).strict();

export const DatabaseLinkRequest = z
  .object({
    app: AppName,
    /** The secret's name in the app; default DATABASE_URL (REDIS_URL for redis is not assumed). */
    as: EnvKey.optional(),
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
  publicPort: z.number().int().nullable(),
  status: DatabaseStatus,
  /** `host:port` apps of its team connect to. */
  privateAddress: z.string(),
  /** Apps it is linked into, and under which secret name. */
  links: z.array(z.object({ app: AppName, as: z.string() })),
  createdAt: Timestamp,
});
export type Database = z.infer<typeof Database>;

export const DatabaseList = z.object({ databases: z.array(Database) });
export type DatabaseList = z.infer<typeof DatabaseList>;
