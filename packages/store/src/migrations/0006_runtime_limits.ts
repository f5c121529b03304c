import type { Kysely } from 'kysely';

/**
 * What a replica may use, and secrets as files. Apps and releases get CPU (in thousandths of a
 * CPU, an integer so no float is ever compared), memory (MiB) and a pids limit; NULL in rows
 * made before this migration reads as the defaults. Secrets, and a release's frozen copy of
 * them, get the path they are mounted at as a file (NULL: an environment variable).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of ['apps', 'releases']) {
    await db.schema.alterTable(table).addColumn('cpu_millis', 'integer').execute();
    await db.schema.alterTable(table).addColumn('memory_mib', 'integer').execute();
    await db.schema.alterTable(table).addColumn('pids_limit', 'integer').execute();
  }
  await db.schema.alterTable('secrets').addColumn('file_path', 'text').execute();
  await db.schema.alterTable('release_secrets').addColumn('file_path', 'text').execute();
}
