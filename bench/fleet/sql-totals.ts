/** Reading what fleet/sql-timing.ts wrote, and what a window of the run spent in SQLite. */
import { readFile, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export interface SqlTotal {
  sql: string;
  calls: number;
  ms: number;
}

/** Asks berthd (by pid) to write its totals and reads them once the file has changed. */
export async function readSqlTotals(pid: number, file: string): Promise<SqlTotal[]> {
  const before = await stat(file).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 100; i++) {
    const after = await stat(file).then(
      (s) => s.mtimeMs,
      () => 0,
    );
    if (after !== before) return JSON.parse(await readFile(file, 'utf8')) as SqlTotal[];
    await sleep(20);
  }
  throw new Error(`berthd did not write ${file}`);
}

/** The statements that took most time between two readings, most first. Pure. */
export function sqlBetween(before: readonly SqlTotal[], after: readonly SqlTotal[], top: number): SqlTotal[] {
  const was = new Map(before.map((t) => [t.sql, t]));
  return after
    .map((t) => ({
      sql: t.sql,
      calls: t.calls - (was.get(t.sql)?.calls ?? 0),
      ms: t.ms - (was.get(t.sql)?.ms ?? 0),
    }))
    .filter((t) => t.calls > 0)
    .sort((a, b) => b.ms - a.ms)
    .slice(0, top);
}
