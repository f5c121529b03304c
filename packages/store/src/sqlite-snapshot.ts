import BetterSqlite3 from 'better-sqlite3';

/**
 * A consistent copy of the live database (`berth system backup`): `VACUUM INTO` on a read-only
 * connection of its own. It reads in one read transaction, so a commit of berthd's meanwhile is
 * wholly in the copy or not at all, and the WAL is folded in. Not the online backup API: it
 * restarts whenever another connection writes between its steps, so a busy berthd could keep it
 * from ever finishing. And never a file copy, which can miss committed pages still in -wal or
 * catch half of a checkpoint. The destination is a bound parameter, never SQL text.
 */
export function snapshotSqlite(file: string, destination: string): void {
  const source = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    source.pragma('busy_timeout = 5000');
    source.prepare('VACUUM INTO ?').run(destination);
  } finally {
    source.close();
  }
  // The copy stands alone: one file, no -wal beside it.
  const copy = new BetterSqlite3(destination, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
}

/** `PRAGMA integrity_check` of a database file: [] when it is sound, else what SQLite found. */
export function checkSqliteIntegrity(file: string): string[] {
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db.pragma('integrity_check') as { integrity_check: string }[];
    const problems = rows.map((r) => r.integrity_check).filter((r) => r !== 'ok');
    return problems;
  } finally {
    db.close();
  }
}
