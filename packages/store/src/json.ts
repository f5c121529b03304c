import { BerthError, type DeploymentError, type HealthCheck } from '@berth/protocol';

/**
 * JSON columns are parsed here, checked for shape, and a bad one becomes a BerthError that names
 * the table, row and column: a corrupt row should be found by reading the error, not a debugger.
 */

export interface RowRef {
  table: string;
  id: string;
  column: string;
}

export const toJson = (value: unknown): string => JSON.stringify(value ?? null);

export function parseJson(text: string, at: RowRef): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw corrupt(at, 'is not valid JSON', cause);
  }
}

export function parseEnv(text: string, at: RowRef): Record<string, string> {
  const v = parseJson(text, at);
  if (!isRecord(v) || !Object.values(v).every((x) => typeof x === 'string')) {
    throw corrupt(at, 'is not an object of strings');
  }
  return v as Record<string, string>;
}

export function parseCommand(text: string | null, at: RowRef): string[] | null {
  if (text === null) return null;
  const v = parseJson(text, at);
  if (v === null) return null;
  if (!isStringArray(v)) throw corrupt(at, 'is not an array of strings');
  return v;
}

export function parseHealth(text: string, at: RowRef): HealthCheck {
  const v = parseJson(text, at);
  if (!isRecord(v)) throw corrupt(at, 'is not a health check');
  const { type, path, intervalMs, timeoutMs, probeTimeoutMs } = v;
  if (
    (type !== 'http' && type !== 'tcp') ||
    typeof path !== 'string' ||
    typeof intervalMs !== 'number' ||
    typeof timeoutMs !== 'number' ||
    typeof probeTimeoutMs !== 'number'
  ) {
    throw corrupt(at, 'is not a health check');
  }
  return { type, path, intervalMs, timeoutMs, probeTimeoutMs };
}

export function parseDeploymentError(text: string | null, at: RowRef): DeploymentError | null {
  if (text === null) return null;
  const v = parseJson(text, at);
  if (v === null) return null;
  if (!isRecord(v)) throw corrupt(at, 'is not a deployment error');
  const { code, message, logs } = v;
  if (typeof code !== 'string' || typeof message !== 'string' || !isStringArray(logs)) {
    throw corrupt(at, 'is not a deployment error');
  }
  return { code, message, logs };
}

export type AuditDetail = Record<string, string | number | boolean | null>;

export function parseAuditDetail(text: string, at: RowRef): AuditDetail {
  const v = parseJson(text, at);
  if (!isRecord(v) || !Object.values(v).every(isScalar)) throw corrupt(at, 'is not an object of scalars');
  return v as AuditDetail;
}

const isScalar = (x: unknown): boolean =>
  x === null || typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean';

const isStringArray = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'string');

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function corrupt(at: RowRef, what: string, cause?: unknown): BerthError {
  return new BerthError(
    'INTERNAL',
    `Corrupt data in the database: ${at.table}.${at.column} of row "${at.id}" ${what}.`,
    {
      hint: 'Restore the data directory from a backup, or fix the row by hand.',
      cause,
    },
  );
}
