import { BerthError, GitRef, GitSource, type DeploymentError, type HealthCheck } from '@berth/protocol';
import { z } from 'zod';
import type { BuildSettings } from '@berth/core';
import type { BuildSource } from './types-builds.js';

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

export function parseStringList(text: string, at: RowRef): string[] {
  const v = parseJson(text, at);
  if (!isStringArray(v)) throw corrupt(at, 'is not an array of strings');
  return v;
}

export function parseHealth(text: string, at: RowRef): HealthCheck {
  const v = parseJson(text, at);
  if (!isRecord(v)) throw corrupt(at, 'is not a health check');
  const { type, path, intervalMs, timeoutMs, probeTimeoutMs, steadyIntervalMs } = v;
  if (
    (type !== 'http' && type !== 'tcp') ||
    typeof path !== 'string' ||
    typeof intervalMs !== 'number' ||
    typeof timeoutMs !== 'number' ||
    typeof probeTimeoutMs !== 'number' ||
    (steadyIntervalMs !== undefined && typeof steadyIntervalMs !== 'number')
  ) {
    throw corrupt(at, 'is not a health check');
  }
  // Health checks stored before the steady interval existed have none (the agent's default applies).
  return {
    type,
    path,
    intervalMs,
    timeoutMs,
    probeTimeoutMs,
    ...(steadyIntervalMs !== undefined && { steadyIntervalMs }),
  };
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

export function parseGitSource(text: string | null, at: RowRef): GitSource | null {
  if (text === null) return null;
  const parsed = GitSource.safeParse(parseJson(text, at));
  if (!parsed.success) throw corrupt(at, 'is not a git source');
  return parsed.data;
}

const BuildSourceShape = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('git'),
    url: z.string(),
    ref: GitRef,
    commit: z.string().nullable(),
    requireTip: z.boolean().optional(),
  }),
  z.object({ type: z.literal('archive'), sha256: z.string(), bytes: z.number() }),
]);

export function parseBuildSource(text: string, at: RowRef): BuildSource {
  const parsed = BuildSourceShape.safeParse(parseJson(text, at));
  if (!parsed.success) throw corrupt(at, 'is not a build source');
  return parsed.data;
}

const BuildSettingsShape = z.object({
  port: z.number().int().nullable(),
  healthPath: z.string().nullable(),
  env: z.record(z.string(), z.string()),
  replicas: z.number().int().nullable(),
});

export function parseBuildSettings(text: string | null, at: RowRef): BuildSettings | null {
  if (text === null) return null;
  const parsed = BuildSettingsShape.safeParse(parseJson(text, at));
  if (!parsed.success) throw corrupt(at, 'is not a build plan');
  return parsed.data;
}
