/**
 * Each engine's own tools as argument arrays, and the catalogue queries that count what a
 * database holds. Pure. Table names are never written into SQL by Berth: the queries read them
 * from the catalogue and quote them on the server (PostgreSQL's format('%I'), MariaDB's backtick
 * doubling), so a table called `we"ird name` or `x; drop` is counted like any other.
 */
import { DATABASE_DATA_DIR, DATABASE_DBNAME } from '@berth/core';
import { BerthError, type DatabaseCounts, type DatabaseEngine } from '@berth/protocol';

/** Where a Redis dump is put in a scratch or restore container's volume. */
export const REDIS_RESTORE_FILE = 'berth-restore.rdb';

/**
 * The dump, streamed to stdout. pg_dump and psql connect by the socket as PGUSER (the
 * container's env); mariadb-dump logs in as root by unix_socket; redis-cli reads REDISCLI_AUTH.
 */
export function dumpCommand(engine: DatabaseEngine): string[] {
  switch (engine) {
    case 'postgres':
      return ['pg_dump', '--format=custom', '--no-password', `--dbname=${DATABASE_DBNAME}`];
    case 'mysql':
      return [
        'mariadb-dump',
        '--user=root',
        '--single-transaction',
        '--routines',
        '--triggers',
        '--hex-blob',
        '--default-character-set=utf8mb4',
        DATABASE_DBNAME,
      ];
    case 'redis':
      // `-` writes the RDB to stdout (redis-cli ≥ 7.0); its progress goes to stderr.
      return ['redis-cli', '--rdb', '-'];
  }
}

/** The load of a dump read on stdin (Redis: the RDB is written into the volume, see scratch-database.ts). */
export function loadCommand(engine: Exclude<DatabaseEngine, 'redis'>, clean: boolean): string[] {
  if (engine === 'postgres')
    return [
      'pg_restore',
      '--no-password',
      '--exit-on-error',
      '--single-transaction',
      '--no-owner',
      '--no-privileges',
      ...(clean ? ['--clean', '--if-exists'] : []),
      `--dbname=${DATABASE_DBNAME}`,
    ];
  return ['mariadb', '--user=root', '--default-character-set=utf8mb4', DATABASE_DBNAME];
}

/**
 * One JSON array [{name, count}] of every ordinary and partitioned table outside the system
 * schemas; query_to_xml runs each count(*) on the server, the name quoted there by format('%I').
 */
const POSTGRES_COUNT_SQL = `SELECT coalesce(json_agg(json_build_object('name', t.name, 'count', t.n)), '[]'::json)
FROM (
  SELECT format('%I.%I', n.nspname, c.relname) AS name,
    (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text::bigint AS n
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p')
    AND n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname !~ '^pg_(toast|temp_)'
) t`;

/**
 * MariaDB has no query_to_xml: an anonymous block walks the catalogue, quotes each name as an
 * identifier (backticks doubled) and counts through a prepared statement, collecting a JSON array
 * in a session variable (no table is made, so the source is not written to).
 */
const MARIADB_COUNT_SQL = `DELIMITER //
BEGIN NOT ATOMIC
  DECLARE done INT DEFAULT 0;
  DECLARE t VARCHAR(256) CHARACTER SET utf8mb4;
  DECLARE cur CURSOR FOR
    SELECT table_name FROM information_schema.tables
    WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE';
  DECLARE CONTINUE HANDLER FOR NOT FOUND SET done = 1;
  SET @berth_counts = JSON_ARRAY();
  OPEN cur;
  tables: LOOP
    FETCH cur INTO t;
    IF done THEN LEAVE tables; END IF;
    SET @berth_count_sql = CONCAT('SELECT COUNT(*) INTO @berth_n FROM \`', REPLACE(t, '\`', '\`\`'), '\`');
    PREPARE berth_count FROM @berth_count_sql;
    EXECUTE berth_count;
    DEALLOCATE PREPARE berth_count;
    SET @berth_counts = JSON_ARRAY_APPEND(@berth_counts, '$', JSON_OBJECT('name', t, 'count', @berth_n));
  END LOOP;
  CLOSE cur;
  SELECT @berth_counts;
END//
DELIMITER ;
`;

/** The command (and its stdin) that prints a database's counts. */
export function countCommand(engine: DatabaseEngine): { cmd: string[]; input?: string } {
  switch (engine) {
    case 'postgres':
      return {
        cmd: [
          'psql',
          '-X',
          '--no-password',
          '-q',
          '-A',
          '-t',
          '-v',
          'ON_ERROR_STOP=1',
          `--dbname=${DATABASE_DBNAME}`,
          '-c',
          POSTGRES_COUNT_SQL,
        ],
      };
    case 'mysql':
      return {
        cmd: ['mariadb', '--user=root', '--batch', '--raw', '--skip-column-names', DATABASE_DBNAME],
        input: MARIADB_COUNT_SQL,
      };
    case 'redis':
      return { cmd: ['redis-cli', '--no-raw', 'INFO', 'keyspace'] };
  }
}

const byName = (a: { name: string }, b: { name: string }): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

/** The counts from countCommand's output; anything unexpected is an error that quotes it. */
export function parseCounts(engine: DatabaseEngine, stdout: string): DatabaseCounts {
  const bad = (why: string): BerthError =>
    new BerthError(
      'BACKUP_VERIFY_FAILED',
      `could not read the ${engine} counts (${why}): ${stdout.slice(0, 500)}`,
    );
  if (engine === 'redis') {
    const counts: DatabaseCounts['counts'] = [];
    for (const line of stdout.split(/\r?\n/)) {
      const m = /^(db\d+):keys=(\d+),/.exec(line.trim());
      if (m?.[1] !== undefined && m[2] !== undefined) counts.push({ name: m[1], count: Number(m[2]) });
    }
    if (!/# Keyspace/.test(stdout)) throw bad('no keyspace section');
    return { unit: 'keys', counts: counts.sort(byName) };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout.trim());
  } catch {
    throw bad('not JSON');
  }
  if (!Array.isArray(parsed)) throw bad('not a list');
  const counts = parsed.map((entry: unknown) => {
    const e = entry as { name?: unknown; count?: unknown };
    const count = typeof e.count === 'string' ? Number(e.count) : e.count;
    if (typeof e.name !== 'string' || typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0)
      throw bad('an entry without a name and a count');
    return { name: e.name, count };
  });
  return { unit: 'rows', counts: counts.sort(byName) };
}

/** The differences between two counts, one line each; empty when they are equal. */
export function compareCounts(expected: DatabaseCounts, actual: DatabaseCounts): string[] {
  const problems: string[] = [];
  const got = new Map(actual.counts.map((c) => [c.name, c.count]));
  const wanted = new Map(expected.counts.map((c) => [c.name, c.count]));
  for (const [name, count] of wanted) {
    const have = got.get(name);
    if (have === undefined) problems.push(`${name}: missing (expected ${count} ${expected.unit})`);
    else if (have !== count) problems.push(`${name}: ${have} ${actual.unit}, expected ${count}`);
  }
  for (const [name, count] of got)
    if (!wanted.has(name)) problems.push(`${name}: not in the source (${count} ${actual.unit})`);
  return problems;
}

/** `public.notes 3000 rows, …` for the recorded output. */
export const describeCounts = (c: DatabaseCounts): string =>
  c.counts.length === 0
    ? `no ${c.unit === 'rows' ? 'tables' : 'keys'}`
    : c.counts.map((e) => `${e.name} ${e.count} ${c.unit}`).join(', ');

export const REDIS_DATA_FILE = `${DATABASE_DATA_DIR}/${REDIS_RESTORE_FILE}`;
