import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { parseServerConfig } from '../config.js';
import { startBerthd } from '../server.js';

/**
 * openapi.yaml is generated from the routes themselves (their zod schemas, through
 * @fastify/swagger), never written by hand. The writer and the drift test share this module, so
 * they cannot disagree about what "the spec" is.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** The committed spec, at the repository root; the same path from src/ (tests) and dist/ (the script). */
export const SPEC_FILE = fileURLToPath(new URL('../../../../openapi.yaml', import.meta.url));

export const REGENERATE = 'npm run build && npm run openapi';

const HEADER = [
  'Generated from the routes of berthd (apps/server/src/http/routes) by apps/server/src/openapi/write.ts.',
  'Do not edit by hand. Regenerate with:',
  `  ${REGENERATE}`,
  'apps/server/src/http/openapi.int.test.ts fails when this file and the routes disagree.',
];

/** Builds berthd in-process (no listener, a throwaway data dir) and returns its OpenAPI document. */
export async function generateSpec(): Promise<JsonObject> {
  const dataDir = await mkdtemp(join(tmpdir(), 'berth-openapi-'));
  try {
    const berthd = await startBerthd(parseServerConfig({ BERTHD_DATA_DIR: dataDir }), {
      listen: false,
      logger: pino({ level: 'silent' }),
    });
    try {
      await berthd.app.ready();
      return toOrderedSpec(toJson(berthd.app.swagger()));
    } finally {
      await berthd.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The YAML text of the committed file: a header saying how it was made, then the document. */
export function renderSpec(spec: JsonObject): string {
  const body = stringify(spec, { lineWidth: 0, aliasDuplicateObjects: false, indent: 2 });
  return `${HEADER.map((line) => `# ${line}`).join('\n')}\n${body}`;
}

/** A plain JSON value: no undefined, no class instances, nothing YAML or deepEqual would treat specially. */
function toJson(value: unknown): JsonObject {
  const json = JSON.parse(JSON.stringify(value)) as Json;
  if (!isObject(json)) throw new Error('the OpenAPI document is not an object');
  return json;
}

export const isObject = (v: Json | undefined): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

// ---------------------------------------------------------------------------------------------
// A stable key order, so the file's diff shows what changed and not the order routes registered in.

const TOP_LEVEL = ['openapi', 'info', 'servers', 'security', 'tags', 'paths', 'components'];
const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'options', 'head', 'trace'];
const PATH_ITEM = ['summary', 'description', 'parameters', ...METHODS];
const OPERATION = [
  'operationId',
  'summary',
  'description',
  'tags',
  'security',
  'parameters',
  'requestBody',
  'responses',
];

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Keys in `preferred` come first in that order; the rest follow, sorted when `sortRest`. */
function reorder(
  obj: JsonObject,
  preferred: readonly string[],
  sortRest: boolean,
  mapValue: (key: string, value: Json) => Json = (_k, v) => v,
): JsonObject {
  const rest = Object.keys(obj).filter((k) => !preferred.includes(k));
  if (sortRest) rest.sort(byName);
  const out: JsonObject = {};
  for (const key of [...preferred.filter((k) => k in obj), ...rest]) {
    const value = obj[key];
    if (value !== undefined) out[key] = mapValue(key, value);
  }
  return out;
}

const mapObject = (v: Json, f: (o: JsonObject) => JsonObject): Json => (isObject(v) ? f(v) : v);

function orderOperation(op: JsonObject): JsonObject {
  return reorder(op, OPERATION, false, (key, value) =>
    key === 'responses' ? mapObject(value, (r) => reorder(r, [], true)) : value,
  );
}

function orderPathItem(item: JsonObject): JsonObject {
  return reorder(item, PATH_ITEM, true, (key, value) =>
    METHODS.includes(key) ? mapObject(value, orderOperation) : value,
  );
}

/** Paths, methods, status codes and component names sorted; schemas keep their declared order. */
export function toOrderedSpec(spec: JsonObject): JsonObject {
  return reorder(spec, TOP_LEVEL, true, (key, value) => {
    if (key === 'paths')
      return mapObject(value, (p) => reorder(p, [], true, (_k, v) => mapObject(v, orderPathItem)));
    if (key === 'components')
      return mapObject(value, (c) =>
        reorder(c, [], true, (_k, v) => mapObject(v, (s) => reorder(s, [], true))),
      );
    return value;
  });
}
