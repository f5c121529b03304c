import type { DatabaseEngine } from '@berth/protocol';
import type { DatabaseCredentials } from './credentials.js';
import { DATABASE_ENGINE_INFO, type DatabaseEngineInfo } from './engines.js';

/**
 * How a database runs in its container, as data: the server's command as an argument array (no
 * shell anywhere: the image's `berth-db-init` entrypoint execs it), its environment, the one
 * directory its data lives in (the volume), its port, the engine's own health check and the
 * client `berth db shell` runs. The entrypoint is in packages/engine/src/builder/
 * database-image-recipes.ts; the two agree on DATABASE_DATA_DIR and the variable names.
 */
export const DATABASE_DATA_DIR = '/var/lib/berth-db';

export interface DatabaseContainerSpec {
  imageKind: DatabaseEngineInfo['imageKind'];
  command: string[];
  env: Record<string, string>;
  /** The volume's mount path. */
  dataDir: string;
  port: number;
  memoryMiB: number;
  /**
   * Run in the container: it accepts connections when the command exits 0 and, when
   * `expectOutput` is set, prints it (redis-cli exits 0 even when it is refused: NOAUTH).
   */
  health: { command: string[]; expectOutput: string | null; intervalMs: number; timeoutMs: number };
  /** The interactive client, run in the container, reading stdin. */
  shell: string[];
}

export const DATABASE_MEMORY_DEFAULT_MIB = 512;

/** The engine's own readiness check, run in its container (no password needed: socket or env). */
export function databaseHealth(engine: DatabaseEngine): DatabaseContainerSpec['health'] {
  const base = { expectOutput: null, intervalMs: 2_000, timeoutMs: 60_000 };
  switch (engine) {
    case 'postgres':
      return { ...base, command: ['pg_isready', '-q'] };
    case 'mysql':
      // root logs in by the socket only (unix_socket authentication): no password on a command line.
      return { ...base, command: ['mariadb-admin', '--user=root', 'ping'] };
    case 'redis':
      return { ...base, command: ['redis-cli', 'ping'], expectOutput: 'PONG' };
  }
}

/** A quarter of the container's memory for the engine's cache, as the engines' guides advise. */
const cacheMiB = (memoryMiB: number): number => Math.max(16, Math.floor(memoryMiB / 4));

export function databaseContainerSpec(
  engine: DatabaseEngine,
  credentials: DatabaseCredentials,
  memoryMiB: number = DATABASE_MEMORY_DEFAULT_MIB,
): DatabaseContainerSpec {
  const info = DATABASE_ENGINE_INFO[engine];
  const base = { imageKind: info.imageKind, dataDir: DATABASE_DATA_DIR, port: info.port, memoryMiB };
  const health = databaseHealth(engine);
  switch (engine) {
    case 'postgres':
      return {
        ...base,
        command: [
          'postgres',
          '-D',
          `${DATABASE_DATA_DIR}/pgdata`,
          '-c',
          'listen_addresses=*',
          '-c',
          `port=${info.port}`,
          '-c',
          'unix_socket_directories=/run/postgresql',
          '-c',
          `shared_buffers=${cacheMiB(memoryMiB)}MB`,
        ],
        env: {
          BERTH_DB_USER: credentials.user,
          BERTH_DB_NAME: credentials.database,
          BERTH_DB_PASSWORD: credentials.password,
          // psql in `db shell` connects by the socket (trusted inside the container) with these.
          PGHOST: '/run/postgresql',
          PGUSER: credentials.user,
          PGDATABASE: credentials.database,
        },
        health,
        shell: ['psql', '-v', 'ON_ERROR_STOP=1'],
      };
    case 'mysql':
      return {
        ...base,
        command: [
          'mariadbd',
          `--datadir=${DATABASE_DATA_DIR}/mysql`,
          '--bind-address=0.0.0.0',
          `--port=${info.port}`,
          '--socket=/run/mysqld/mysqld.sock',
          `--innodb-buffer-pool-size=${cacheMiB(memoryMiB)}M`,
        ],
        env: {
          BERTH_DB_USER: credentials.user,
          BERTH_DB_NAME: credentials.database,
          BERTH_DB_PASSWORD: credentials.password,
        },
        health,
        shell: ['mariadb', '--user=root', credentials.database],
      };
    case 'redis':
      return {
        ...base,
        command: [
          'redis-server',
          '/run/redis/berth-auth.conf',
          '--dir',
          DATABASE_DATA_DIR,
          '--appendonly',
          'yes',
          '--bind',
          '* -::*',
          '--port',
          String(info.port),
          // Writes fail with an error at the limit instead of the kernel killing the server.
          '--maxmemory',
          `${Math.max(8, Math.floor((memoryMiB * 3) / 4))}mb`,
          '--maxmemory-policy',
          'noeviction',
        ],
        // The entrypoint writes it into the server's config; redis-cli reads it too.
        env: { REDISCLI_AUTH: credentials.password },
        health,
        shell: ['redis-cli'],
      };
  }
}
