/**
 * A database dumped by its own tool from its running container (pg_dump -Fc, mariadb-dump
 * --single-transaction, redis-cli --rdb), streamed out through the engine's exec API, with what
 * the database held counted just before and just after. A dump is a consistent snapshot; the
 * counts are taken beside it, so they equal the dump's only when nothing was written meanwhile,
 * which `sourceStable` says.
 */
import type { Readable } from 'node:stream';
import type { DatabaseCounts, DatabaseDumpSummary, DatabaseEngine } from '@berth/protocol';
import { runToolOrFail, streamTool, type ExecEngine } from './container-exec.js';
import { compareCounts, countCommand, dumpCommand, parseCounts } from './engine-tools.js';

export interface DatabaseDump {
  /** The dump's bytes: fails when the tool exits non-zero. */
  stream: Readable;
  /** Once the stream has ended: the counts and the tool's stderr (pg_dump's warnings, redis-cli's progress). */
  done: Promise<DatabaseDumpSummary>;
}

export async function countDatabase(
  engine: ExecEngine,
  containerId: string,
  kind: DatabaseEngine,
  code: 'BACKUP_VERIFY_FAILED' | 'BACKUP_DUMP_FAILED' = 'BACKUP_VERIFY_FAILED',
): Promise<DatabaseCounts> {
  const { cmd, input } = countCommand(kind);
  const out = await runToolOrFail(engine, containerId, cmd, code, input);
  return parseCounts(kind, out.stdout);
}

export async function dumpDatabase(
  engine: ExecEngine,
  containerId: string,
  kind: DatabaseEngine,
): Promise<DatabaseDump> {
  const before = await countDatabase(engine, containerId, kind, 'BACKUP_DUMP_FAILED');
  const tool = await streamTool(engine, containerId, dumpCommand(kind));
  const done = tool.done.then(async ({ stderr }) => {
    const after = await countDatabase(engine, containerId, kind, 'BACKUP_DUMP_FAILED');
    return {
      engine: kind,
      counts: after,
      sourceStable: compareCounts(before, after).length === 0,
      toolOutput: stderr.trim().slice(0, 4096),
    };
  });
  done.catch(() => undefined);
  return { stream: tool.stream, done };
}
