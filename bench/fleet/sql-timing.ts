/**
 * Diagnostic preload for berthd (BENCH_SQL_TIMING_FILE set): times every better-sqlite3 statement
 * by its SQL text and writes the totals to that file on SIGUSR2 and at exit. berthd's
 * store is synchronous under Kysely's promises, so a CPU profile shows SQLite time only as
 * Kysely's executeQuery, without the query; this names it.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

interface Statement {
  source: string;
}
type Method = (this: Statement, ...args: unknown[]) => unknown;

const require = createRequire(import.meta.url);
const Database = require('better-sqlite3') as new (file: string) => {
  prepare(sql: string): Statement;
  close(): void;
};
const totals = new Map<string, { calls: number; ms: number }>();
const out = process.env.BENCH_SQL_TIMING_FILE;

const probe = new Database(':memory:');
const proto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, Method>;
probe.close();
for (const name of ['all', 'get', 'run', 'iterate']) {
  const original = proto[name];
  if (!original) continue;
  proto[name] = function timed(this: Statement, ...args: unknown[]): unknown {
    const started = performance.now();
    try {
      return original.apply(this, args);
    } finally {
      const t = totals.get(this.source) ?? { calls: 0, ms: 0 };
      t.calls += 1;
      t.ms += performance.now() - started;
      totals.set(this.source, t);
    }
  };
}

const dump = (): void => {
  if (!out) return;
  const rows = [...totals].sort((a, b) => b[1].ms - a[1].ms).map(([sql, t]) => ({ ...t, sql }));
  writeFileSync(out, JSON.stringify(rows, null, 1));
};
process.on('SIGUSR2', dump);
process.on('exit', dump);
