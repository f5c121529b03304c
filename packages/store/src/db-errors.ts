import { BerthError } from '@berth/protocol';

/**
 * Recognises a unique-constraint violation from either driver without importing one:
 * better-sqlite3 reports SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY with "table.column" in the message;
 * pg reports SQLSTATE 23505 with the constraint name, which the migrations spell
 * `<table>_<col>_<col>_unique` unless told otherwise.
 */
export function isUniqueViolation(
  err: unknown,
  table: string,
  columns: readonly string[],
  constraint = `${table}_${columns.join('_')}_unique`,
): boolean {
  if (!(err instanceof Error)) return false;
  const code = 'code' in err ? err.code : undefined;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return err.message.endsWith(`: ${columns.map((c) => `${table}.${c}`).join(', ')}`);
  }
  if (code === '23505') {
    return 'constraint' in err && err.constraint === constraint;
  }
  return false;
}

/**
 * A name (or email) already taken, as a validation failure on the field: the person can fix it by
 * choosing another value, so it reads like any other invalid input.
 */
export function alreadyTaken(message: string, path: string, cause: unknown): BerthError {
  return new BerthError('VALIDATION_FAILED', message, {
    issues: [{ path, message: 'is already taken' }],
    cause,
  });
}
