import assert from 'node:assert/strict';
import Database from 'better-sqlite3';

/**
 * Everything in the database, read through a second connection as another process would see it,
 * so a test can prove a rejected request wrote nothing: not a row added, removed or changed.
 */
export type DbSnapshot = Record<string, string[]>;

export interface DbSnapshots {
  take(): DbSnapshot;
  /** Row counts per table, for messages and for tests that expect a write. */
  counts(): Record<string, number>;
  /** The rows of `table` whose `column` is `value`, as SQLite returns them. */
  rowsWhere(table: string, column: string, value: string): Record<string, unknown>[];
  /** Every row of `table`. */
  rowsOf(table: string): Record<string, unknown>[];
  close(): void;
}

/** Columns that change on reads by design: a token's or session's last use is touched once a minute. */
const VOLATILE: Record<string, readonly string[]> = { tokens: ['last_used_at'], sessions: ['last_used_at'] };

/**
 * Not state but the record of requests: every refused or failed change is audited on purpose
 * (and the audit chain is checkpointed every so many rows),
 * and failed logins are counted. "Nothing written" means nothing else changed.
 */
const RECORDS = new Set(['audit_log', 'audit_checkpoints', 'login_failures']);
const isRecordRow = (table: string, row: Record<string, unknown>): boolean =>
  table === 'meta' && row.key === 'audit_head';

export function openDbSnapshots(file: string): DbSnapshots {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  const tables = (): string[] =>
    db
      .prepare<[], { name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all()
      .map((r) => r.name);
  const rows = (table: string): Record<string, unknown>[] =>
    db.prepare<[], Record<string, unknown>>(`SELECT * FROM "${table}"`).all();
  return {
    take() {
      const snapshot: DbSnapshot = {};
      for (const table of tables()) {
        if (RECORDS.has(table)) continue;
        const skip = VOLATILE[table] ?? [];
        snapshot[table] = rows(table)
          .filter((row) => !isRecordRow(table, row))
          .map((row) => JSON.stringify(Object.entries(row).filter(([k]) => !skip.includes(k))))
          .sort();
      }
      return snapshot;
    },
    counts() {
      return Object.fromEntries(
        tables().map((t) => [
          t,
          db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM "${t}"`).get()?.n ?? 0,
        ]),
      );
    },
    rowsWhere(table, column, value) {
      return db
        .prepare<[string], Record<string, unknown>>(`SELECT * FROM "${table}" WHERE "${column}" = ?`)
        .all(value);
    },
    rowsOf: (table) => rows(table),
    close: () => db.close(),
  };
}

/** Fails naming the tables that differ. */
export function assertSameDb(before: DbSnapshot, after: DbSnapshot, what: string): void {
  const changed = Object.keys({ ...before, ...after }).filter(
    (t) => JSON.stringify(before[t]) !== JSON.stringify(after[t]),
  );
  assert.deepEqual(changed, [], `${what} wrote to the database (tables changed: ${changed.join(', ')})`);
}
