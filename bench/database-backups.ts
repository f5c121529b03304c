/**
 * Issue 12's backup figure (`BENCH_ONLY=database-backups npm run bench`): a PostgreSQL database of
 * at least BENCH_DB_MIB (default 1024) MiB, backed up and verified (`backups run`: pg_dump -Fc,
 * zstd, encryption, upload to a directory target, read back, pg_restore into a scratch database,
 * every table counted) and restored into a new database (`backups restore --to`: read back,
 * loaded, counted, started), in MB/s of the database's size, against the floor: a plain
 * `pg_dump -Fc > /dev/null` in the same container on the same data, in the same run.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { createClient } from '@berth/client';
import type { BerthUnderTest } from '../test/e2e/support/berth.js';

type Client = ReturnType<typeof createClient>;

export interface DatabaseBackupFigures {
  /** pg_database_size of the source. */
  bytes: number;
  /** The backup object's size (compressed, encrypted). */
  objectBytes: number;
  floorMs: number;
  backupAndVerifyMs: number;
  restoreMs: number;
  /** From the restore's answer to the new database running. */
  startMs: number;
}

const SOURCE = 'bench-big';
const COPY = 'bench-big-copy';
/** Rows are added in batches of this many until the database is big enough. */
const BATCH_ROWS = 2_000_000;

const run = (file: string, args: readonly string[], timeoutMs = 30 * 60_000): Promise<{ stdout: string }> =>
  promisify(execFile)(file, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });

const podman = (args: readonly string[]): Promise<{ stdout: string }> =>
  run('podman', ['--runtime', 'runc', '--cgroup-manager', 'cgroupfs', ...args]);

export async function measureDatabaseBackups(
  berth: BerthUnderTest,
  client: Client,
  sizeMiB: number,
): Promise<DatabaseBackupFigures> {
  for await (const line of client.bootstrapImages({ only: ['postgres'] }))
    if (line.type === 'error') throw new Error(`bootstrap failed: ${line.error.message}`);
  const dir = await mkdtemp(join(tmpdir(), 'berth-bench-db-backups-'));
  try {
    const created = await client.createDatabase({ name: SOURCE, engine: 'postgres', memoryMiB: 1024 });
    if (created.deploymentId === null) throw new Error('db create: no deployment');
    await waitRunning(client, SOURCE);
    const container = await containerOf(berth, created.workload ?? '');
    const psql = (sql: string): Promise<{ stdout: string }> =>
      podman(['exec', container, 'psql', '-qAt', '-c', sql]);
    await psql('create table big (id bigint primary key, body text not null)');
    let bytes = 0;
    for (let from = 1; bytes < sizeMiB * 1024 * 1024; from += BATCH_ROWS) {
      await psql(
        `insert into big select g, md5(g::text) || repeat('berth', 12) from generate_series(${from}, ${from + BATCH_ROWS - 1}) g`,
      );
      bytes = Number((await psql('select pg_database_size(current_database())')).stdout.trim());
    }
    await psql('vacuum analyze big');
    bytes = Number((await psql('select pg_database_size(current_database())')).stdout.trim());
    say(`database filled: ${(bytes / 1e6).toFixed(0)} MB`);

    let started = performance.now();
    await podman(['exec', container, 'sh', '-c', 'pg_dump -Fc > /dev/null']);
    const floorMs = performance.now() - started;
    say(`floor: pg_dump -Fc > /dev/null in ${(floorMs / 1000).toFixed(1)} s`);

    await client.createBackupTarget({ name: 'bench-dir', dir });
    started = performance.now();
    let backup = await client.runDatabaseBackup(SOURCE, 'bench-dir');
    while (backup.status === 'running') {
      await sleep(250);
      backup = await client.getBackup(backup.id);
    }
    const backupAndVerifyMs = performance.now() - started;
    if (backup.status !== 'verified') throw new Error(`backup ${backup.status}: ${backup.error ?? ''}`);
    say(`backup + verify in ${(backupAndVerifyMs / 1000).toFixed(1)} s:\n${backup.verifyOutput ?? ''}`);

    started = performance.now();
    const restored = await client.restoreDatabase(SOURCE, { backup: backup.id, to: COPY });
    const restoreMs = performance.now() - started;
    say(`restore in ${(restoreMs / 1000).toFixed(1)} s:\n${restored.output}`);
    started = performance.now();
    await waitRunning(client, COPY);
    const startMs = performance.now() - started;
    if (!restored.output.includes('equals the source at dump time'))
      throw new Error(`the restore did not equal the source: ${restored.output}`);

    await client.deleteDatabase(COPY);
    await client.deleteDatabase(SOURCE);
    // The target stays: the backup's row is on it (berth up's data dir goes after the run).
    return { bytes, objectBytes: backup.bytes ?? 0, floorMs, backupAndVerifyMs, restoreMs, startMs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const say = (line: string): void => void process.stderr.write(`database-backups: ${line}\n`);

async function waitRunning(client: Client, name: string): Promise<void> {
  const deadline = Date.now() + 5 * 60_000;
  while ((await client.getDatabase(name)).status !== 'running') {
    if (Date.now() > deadline) throw new Error(`${name} never ran`);
    await sleep(250);
  }
}

/** The running container of a workload app, by the labels its agent put on it. */
async function containerOf(berth: BerthUnderTest, workload: string): Promise<string> {
  const { stdout } = await podman([
    'ps',
    '--filter',
    `label=berth.agent=${await berth.agentId()}`,
    '--format',
    '{{.ID}} {{.Names}}',
  ]);
  const line = stdout.split('\n').find((l) => l.includes(` berth-${workload}-`));
  if (!line) throw new Error(`no running container of ${workload}`);
  return line.split(' ')[0] ?? '';
}

export function databaseBackupRows(f: DatabaseBackupFigures): string[] {
  const mb = f.bytes / 1e6;
  const rate = (ms: number): string => `${(mb / (ms / 1000)).toFixed(1)} MB/s`;
  const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  return [
    `| floor: \`pg_dump -Fc > /dev/null\` of the ${mb.toFixed(0)} MB database | ${s(f.floorMs)} | ${rate(f.floorMs)} | 1.0× |`,
    `| \`backups run\`: dump, zstd, encrypt, upload, read back, pg_restore into a scratch database, count (object ${(f.objectBytes / 1e6).toFixed(0)} MB) | ${s(f.backupAndVerifyMs)} | ${rate(f.backupAndVerifyMs)} | ${(f.backupAndVerifyMs / f.floorMs).toFixed(1)}× |`,
    `| \`backups restore --to\`: read back, load into the new database's volume, count | ${s(f.restoreMs)} | ${rate(f.restoreMs)} | ${(f.restoreMs / f.floorMs).toFixed(1)}× |`,
    `| then the new database running | ${s(f.startMs)} | | |`,
  ];
}
