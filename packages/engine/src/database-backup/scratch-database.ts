/**
 * A dump loaded into a database container of Berth's own: a scratch one to verify a backup
 * (fresh volume, random credentials, removed after whatever happens) or one that restores into a
 * new database's volume. The container runs the database's image hardened like every replica,
 * with no network at all (`none`): nothing can reach it while it holds a copy of the data.
 *
 * - PostgreSQL: the server starts (the image's entrypoint makes the database), pg_restore reads
 *   the dump on stdin in one transaction, stopping at the first error.
 * - MariaDB: the same with `mariadb` reading the SQL dump.
 * - Redis: the container idles (`sleep`); the RDB is written into the volume, checked by
 *   redis-check-rdb, then a server started on it alone (append-only off, so it loads the RDB).
 *   A restore then switches append-only on (the server rewrites its AOF from what it holds) and
 *   shuts down, so the database's own server, which starts with append-only on, finds its data.
 */
import { randomBytes } from 'node:crypto';
import {
  DATABASE_DATA_DIR,
  databaseContainerSpec,
  generateDatabaseCredentials,
  toEngineVolumeName,
  type DatabaseCredentials,
} from '@berth/core';
import {
  BerthError,
  type DatabaseCounts,
  type DatabaseDumpSummary,
  type DatabaseEngine,
} from '@berth/protocol';
import type { ContainerEngine } from '../container/types.js';
import { runTool, runToolOrFail } from './container-exec.js';
import { countDatabase } from './dump.js';
import {
  compareCounts,
  describeCounts,
  loadCommand,
  REDIS_DATA_FILE,
  REDIS_RESTORE_FILE,
} from './engine-tools.js';

export type DatabaseLoaderEngine = Pick<
  ContainerEngine,
  'exec' | 'createAndStart' | 'stopAndRemove' | 'ensureVolume' | 'removeVolume'
>;

export interface DatabaseLoadOptions {
  engine: DatabaseLoaderEngine;
  kind: DatabaseEngine;
  /** The image the database runs (its id, or the engine image's name). */
  image: string;
  /** Put on the loader container and the scratch volume, so an agent can find and collect leftovers. */
  labels: Record<string, string>;
  /** The dump's bytes, as dumpDatabase made them (decrypted and decompressed). */
  dump: AsyncIterable<Uint8Array>;
  memoryMiB?: number;
  /** Per step (server start, load): the default is 10 minutes for a load, 2 for a start. */
  timeoutMs?: number;
}

export interface DatabaseLoadResult {
  counts: DatabaseCounts;
  /** What the tools said and what was compared, one line each: recorded with the backup. */
  output: string;
}

const LOADER_LABEL = 'berth.backup.database-loader';
const START_TIMEOUT_MS = 120_000;

const randomHex = (bytes: number): string => randomBytes(bytes).toString('hex');

function randomVolumeId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let out = '';
  for (const b of randomBytes(20)) out += alphabet[b & 31];
  return `vol_${out}`;
}

/**
 * Loads the dump into a scratch database, counts what it holds and compares with `expected`
 * (the source's counts at dump time). Throws BACKUP_VERIFY_FAILED with the tool's output or the
 * differences; the scratch container and volume are removed either way.
 */
export async function verifyDatabaseDump(
  options: DatabaseLoadOptions & { expected: DatabaseDumpSummary | null },
): Promise<DatabaseLoadResult> {
  const volume = toEngineVolumeName(randomVolumeId());
  await options.engine.ensureVolume({
    name: volume,
    labels: { ...options.labels, [LOADER_LABEL]: 'scratch' },
  });
  try {
    const credentials = generateDatabaseCredentials((n) => randomBytes(n));
    const loaded = await loadIntoVolume(options, volume, credentials, 'verify').catch((e: unknown) => {
      if (e instanceof BerthError && e.code !== 'BACKUP_RESTORE_FAILED') throw e;
      const why = e instanceof Error ? e.message : String(e);
      throw new BerthError('BACKUP_VERIFY_FAILED', `the dump did not load into a scratch database: ${why}`, {
        cause: e,
      });
    });
    const lines = [loaded.output, `scratch database holds: ${describeCounts(loaded.counts)}`];
    if (options.expected !== null)
      lines.push(compareWithDumpTime(options.expected, loaded.counts, 'BACKUP_VERIFY_FAILED'));
    return { counts: loaded.counts, output: lines.filter((l) => l !== '').join('\n') };
  } finally {
    await options.engine.removeVolume(volume).catch(() => undefined);
  }
}

/**
 * A loaded copy's counts against the source's at dump time: the line to record, or `code` with
 * the differences. When the source was written to during the dump, the counts beside it are not
 * the dump's: then only the tables must be the same.
 */
export function compareWithDumpTime(
  expected: DatabaseDumpSummary,
  counts: DatabaseCounts,
  code: 'BACKUP_VERIFY_FAILED' | 'BACKUP_RESTORE_FAILED',
): string {
  const problems = compareCounts(expected.counts, counts);
  if (expected.sourceStable) {
    if (problems.length > 0)
      throw new BerthError(
        code,
        `the restored database differs from the source at dump time: ${problems.join('; ')}`,
      );
    return 'equals the source at dump time';
  }
  const missing = problems.filter((p) => /missing|not in the source/.test(p));
  if (missing.length > 0)
    throw new BerthError(code, `the restored database lacks or adds tables: ${missing.join('; ')}`);
  return `the source was written to during the dump; counts after it: ${describeCounts(expected.counts)}`;
}

/**
 * Restores the dump into `volume` (a new database's, before its own container starts; or a
 * stopped one's, whose tables the dump replaces), with that database's credentials, so its own
 * server starts on the restored data. The loader container is removed after.
 */
export async function restoreDatabaseDump(
  options: DatabaseLoadOptions & { volume: string; credentials: DatabaseCredentials },
): Promise<DatabaseLoadResult> {
  return loadIntoVolume(options, options.volume, options.credentials, 'restore');
}

async function loadIntoVolume(
  options: DatabaseLoadOptions,
  volume: string,
  credentials: DatabaseCredentials,
  purpose: 'verify' | 'restore',
): Promise<DatabaseLoadResult> {
  const { engine, kind } = options;
  const spec = databaseContainerSpec(kind, credentials, options.memoryMiB);
  const container = await engine.createAndStart({
    name: `berth-db${purpose}-${randomHex(6)}`,
    imageId: options.image,
    env: spec.env,
    command: kind === 'redis' ? ['sleep', 'infinity'] : spec.command,
    labels: { ...options.labels, [LOADER_LABEL]: purpose },
    port: spec.port,
    publishHost: '127.0.0.1',
    publish: false,
    network: 'none',
    dns: null,
    limits: { cpu: 1, memoryMiB: spec.memoryMiB, pids: 512 },
    files: [],
    volumes: [{ name: volume, target: DATABASE_DATA_DIR }],
  });
  const deadline = (ms: number): number => Date.now() + (options.timeoutMs ?? ms);
  const lines: string[] = [];
  try {
    if (kind === 'redis') {
      if (purpose === 'restore')
        await runToolOrFail(
          engine,
          container.id,
          ['rm', '-rf', `${DATABASE_DATA_DIR}/appendonlydir`, `${DATABASE_DATA_DIR}/dump.rdb`],
          'BACKUP_RESTORE_FAILED',
        );
      await runToolOrFail(
        engine,
        container.id,
        ['dd', `of=${REDIS_DATA_FILE}`, 'bs=1M', 'status=none'],
        'BACKUP_RESTORE_FAILED',
        options.dump,
      );
      await runToolOrFail(
        engine,
        container.id,
        ['chown', 'redis:redis', REDIS_DATA_FILE],
        'BACKUP_RESTORE_FAILED',
      );
      const check = await runTool(engine, container.id, ['redis-check-rdb', REDIS_DATA_FILE]);
      const said = `${check.stdout}${check.stderr}`.trim();
      if (check.code !== 0 || !/RDB looks OK/.test(said))
        throw new BerthError(
          'BACKUP_VERIFY_FAILED',
          `redis-check-rdb refused the dump: ${said.slice(-2000) || 'no output'}`,
        );
      lines.push(
        `redis-check-rdb: ${said
          .split('\n')
          .filter((l) => /keys read|looks OK|expires/.test(l))
          .join('; ')}`,
      );
      await runToolOrFail(
        engine,
        container.id,
        [
          'setpriv',
          '--reuid=redis',
          '--regid=redis',
          '--init-groups',
          '--',
          'redis-server',
          '/run/redis/berth-auth.conf',
          '--dir',
          DATABASE_DATA_DIR,
          '--dbfilename',
          REDIS_RESTORE_FILE,
          '--appendonly',
          'no',
          '--port',
          String(spec.port),
          '--bind',
          '127.0.0.1',
          '--daemonize',
          'yes',
        ],
        'BACKUP_RESTORE_FAILED',
      );
      await waitHealthy(engine, container.id, spec.health, deadline(START_TIMEOUT_MS), kind);
    } else {
      await waitHealthy(engine, container.id, spec.health, deadline(START_TIMEOUT_MS), kind);
      const loaded = await runToolOrFail(
        engine,
        container.id,
        loadCommand(kind, purpose === 'restore'),
        'BACKUP_RESTORE_FAILED',
        options.dump,
      );
      lines.push(
        `${kind === 'postgres' ? 'pg_restore' : 'mariadb'}: loaded${loaded.stderr.trim() === '' ? '' : `: ${loaded.stderr.trim().slice(0, 2000)}`}`,
      );
    }
    const counts = await countDatabase(engine, container.id, kind);
    if (kind === 'redis' && purpose === 'restore')
      await persistRedis(engine, container.id, deadline(600_000));
    return { counts, output: lines.join('\n') };
  } finally {
    // A restore stops its server cleanly (its files are kept); a scratch one goes at once, and so
    // does Redis's loader, whose server has shut itself down (its PID 1, `sleep`, ignores SIGTERM).
    const graceful = purpose === 'restore' && kind !== 'redis';
    await engine.stopAndRemove(container.id, graceful ? 60 : 0).catch(() => undefined);
  }
}

async function waitHealthy(
  engine: DatabaseLoaderEngine,
  containerId: string,
  health: { command: string[]; expectOutput: string | null },
  deadline: number,
  kind: DatabaseEngine,
): Promise<void> {
  for (;;) {
    const probe = await runTool(engine, containerId, health.command);
    if (probe.code === 0 && (health.expectOutput === null || probe.stdout.trim() === health.expectOutput))
      return;
    if (Date.now() > deadline)
      throw new BerthError(
        'BACKUP_RESTORE_FAILED',
        `the ${kind} server in the loader container did not start: ${(probe.stderr || probe.stdout).trim().slice(0, 500) || 'no answer'}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * Append-only on: Redis rewrites its AOF from the loaded data (the only way to switch it on
 * without losing what is loaded); once that rewrite has finished the server is shut down and
 * the RDB it loaded from removed, so the volume holds what the database's own server reads.
 */
async function persistRedis(
  engine: DatabaseLoaderEngine,
  containerId: string,
  deadline: number,
): Promise<void> {
  await runToolOrFail(
    engine,
    containerId,
    ['redis-cli', 'CONFIG', 'SET', 'appendonly', 'yes'],
    'BACKUP_RESTORE_FAILED',
  );
  for (;;) {
    const info = (
      await runToolOrFail(engine, containerId, ['redis-cli', 'INFO', 'persistence'], 'BACKUP_RESTORE_FAILED')
    ).stdout;
    const field = (name: string): string | undefined => new RegExp(`^${name}:(\\S+)`, 'm').exec(info)?.[1];
    if (
      field('aof_rewrite_in_progress') === '0' &&
      field('aof_rewrite_scheduled') === '0' &&
      field('aof_enabled') === '1'
    ) {
      if (field('aof_last_bgrewrite_status') !== 'ok')
        throw new BerthError(
          'BACKUP_RESTORE_FAILED',
          `Redis could not write its append-only file: ${info.slice(0, 1000)}`,
        );
      break;
    }
    if (Date.now() > deadline)
      throw new BerthError('BACKUP_RESTORE_FAILED', 'Redis did not finish writing its append-only file');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  // The connection closes as the server exits: SHUTDOWN has no reply to check.
  await runTool(engine, containerId, ['redis-cli', 'SHUTDOWN', 'NOSAVE']);
  await runToolOrFail(engine, containerId, ['rm', '-f', REDIS_DATA_FILE], 'BACKUP_RESTORE_FAILED');
}
