import { randomBytes } from 'node:crypto';
import { isObject, type Json, type JsonObject } from '../../openapi/spec.js';
import type { Req } from './http.js';
import { validateJson } from './json-schema.js';
import { toUrl, type Operation, type Parameter } from './openapi.js';
import type { Scope } from './rbac-matrix.js';

/**
 * Hostile values for every input an operation declares in openapi.yaml: each path parameter,
 * query parameter and body field (nested ones too), one at a time, the rest of the request
 * valid. Each request says what the spec makes of it, so the walk knows the answer to expect.
 */

/** A file no request may ever create: values carry commands that would. */
export const PWNED = `/tmp/berth-pwned-${randomBytes(8).toString('hex')}`;
const MIB = 1024 * 1024;

export interface Variant {
  label: string;
  value: unknown;
}

const CYRILLIC: Record<string, string> = { a: 'а', e: 'е', o: 'о', p: 'р', c: 'с', x: 'х' };
const fullwidth = (s: string): string =>
  s.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
const lookalike = (s: string): string =>
  /[aeopcx]/.test(s) ? s.replace(/[aeopcx]/, (c) => CYRILLIC[c] ?? c) : `а${s}`;

/** Strings that break shells, paths, headers, proxy configs, or only look like the real thing. */
export function stringVariants(base: string): Variant[] {
  return [
    { label: '; command', value: `${base};touch ${PWNED}` },
    { label: '$( command )', value: `${base}$(touch ${PWNED})` },
    { label: 'backticks', value: `${base}\`touch ${PWNED}\`` },
    { label: '| command', value: `${base}|touch ${PWNED}` },
    { label: '&& command', value: `${base}&&touch ${PWNED}` },
    { label: '../', value: `../${base}` },
    { label: '..%2f', value: `..%2f..%2f${base}` },
    { label: 'newline', value: `${base}\nX-Injected: 1` },
    { label: '{ }', value: `${base} { respond "pwned" }` },
    { label: 'NUL', value: `${base}\u0000` },
    { label: 'Cyrillic look-alike', value: lookalike(base) },
    { label: 'fullwidth', value: fullwidth(base) },
    { label: 'zero-width joiner', value: `${base.slice(0, 1)}\u200d${base.slice(1)}` },
    { label: 'RTL override', value: `\u202e${base}` },
    { label: '10 KiB', value: `${base}${'a'.repeat(10 * 1024)}` },
    { label: '1 MiB', value: 'a'.repeat(MIB) },
    { label: 'empty', value: '' },
  ];
}

/** JSON values of the wrong type for most fields (a number is right for some). */
export const wrongTypes = (base: string): Variant[] => [
  { label: 'number 42', value: 42 },
  { label: 'number 1.5', value: 1.5 },
  { label: 'array', value: [base] },
  { label: 'object', value: { value: base } },
  { label: 'null', value: null },
  { label: 'true', value: true },
];

/** How a wrong type looks in a path segment. */
const TEXT_TYPES: Variant[] = ['42', '1.5', 'null', 'true', '[]'].map((v) => ({
  label: `"${v}"`,
  value: v,
}));

export type Outcome =
  /** Over 1 MiB: 413 before anything reads it. */
  | { kind: 'too-large' }
  /** Invalid by the spec: 400 VALIDATION_FAILED naming `field`. */
  | { kind: 'invalid'; field: string }
  /** A path parameter longer than the router takes: 400 VALIDATION_FAILED. */
  | { kind: 'too-long' }
  /** An empty last path segment: no such route (or, for a GET, the list the URL shortens to). */
  | { kind: 'unroutable' }
  /** Valid by the spec; `retarget`: it changes what the access check looks at. */
  | { kind: 'valid'; retarget: boolean };

export interface HostileRequest {
  label: string;
  req: Req;
  outcome: Outcome;
}

export interface Base {
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
}

const queryString = (q: Record<string, string>): string =>
  Object.entries(q)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&');

/** What the access check of this scope reads, as `in:name`. */
const SCOPE_INPUT: Partial<Record<Scope, string>> = {
  app: 'path:app',
  deployment: 'path:id',
  user: 'path:user',
  'team:param': 'path:team',
  'team:query': 'query:team',
  'team:body': 'body:team',
  invitation: 'path:team',
};

type Make = (
  label: string,
  params: Record<string, string>,
  query: string,
  body: unknown,
) => Omit<HostileRequest, 'outcome'>;

export function hostileRequests(op: Operation, base: Base, scope: Scope): HostileRequest[] {
  const make: Make = (label, params, query, body) => ({
    label,
    req: { method: op.method, url: toUrl(op, params, query), ...(body !== undefined && { body }) },
  });
  const scoped = SCOPE_INPUT[scope] ?? '';
  return [
    ...pathRequests(op, base, scoped, make),
    ...queryRequests(op, base, scoped, make),
    ...bodyRequests(op, base, scoped, make),
  ];
}

function pathRequests(op: Operation, base: Base, scoped: string, make: Make): HostileRequest[] {
  return op.parameters
    .filter((p) => p.in === 'path')
    .flatMap((p) =>
      [...stringVariants(base.params[p.name] ?? 'x'), ...TEXT_TYPES].map((v) => {
        const value = String(v.value);
        const params = { ...base.params, [p.name]: value };
        return {
          ...make(`path ${p.name}: ${v.label}`, params, queryString(base.query), base.body),
          outcome: pathOutcome(p, value, scoped === `path:${p.name}`, op.path.endsWith(`{${p.name}}`)),
        };
      }),
    );
}

function queryRequests(op: Operation, base: Base, scoped: string, make: Make): HostileRequest[] {
  return op.parameters
    .filter((p) => p.in === 'query')
    .flatMap((p) => {
      const others = Object.fromEntries(Object.entries(base.query).filter(([k]) => k !== p.name));
      const raw = (label: string, q: string, outcome: Outcome): HostileRequest => ({
        ...make(
          `query ${p.name}: ${label}`,
          base.params,
          [queryString(others), q].filter(Boolean).join('&'),
          base.body,
        ),
        outcome,
      });
      return [
        ...[...stringVariants(base.query[p.name] ?? 'x'), ...TEXT_TYPES].map((v) => {
          const value = String(v.value);
          const outcome = queryOutcome(p, value, scoped === `query:${p.name}`);
          return raw(v.label, `${p.name}=${encodeURIComponent(value)}`, outcome);
        }),
        // A parameter that takes a list (exec's `cmd`) reads a repeated one as its items.
        raw(
          'array',
          `${p.name}=a&${p.name}=b`,
          anyOfArray(p.schema) === null
            ? { kind: 'invalid', field: p.name }
            : { kind: 'valid', retarget: false },
        ),
        raw('object', `${p.name}[x]=a`, { kind: 'invalid', field: p.name }),
      ];
    });
}

function bodyRequests(op: Operation, base: Base, scoped: string, make: Make): HostileRequest[] {
  if (op.bodySchema === null) return [];
  const out: HostileRequest[] = [];
  let tooLarge = false;
  for (const [path, variants] of bodyFields(objectSchema(op.bodySchema), base.body)) {
    const field = path[0] ?? 'body';
    for (const v of variants) {
      // A body over the limit is refused before it is read, whichever field made it big: once is enough.
      if (v.label === '1 MiB' && tooLarge) continue;
      tooLarge ||= v.label === '1 MiB';
      const body = setAt(base.body, path, v.value);
      out.push({
        ...make(`body ${path.join('.')}: ${v.label}`, base.params, queryString(base.query), body),
        outcome: bodyOutcome(op, body, field, scoped === `body:${field}`),
      });
    }
  }
  return out;
}

function pathOutcome(p: Parameter, value: string, retarget: boolean, last: boolean): Outcome {
  if (value === '' && last) return { kind: 'unroutable' };
  // Fastify's router refuses a parameter over 100 characters before any schema sees it.
  if (value.length > 100) return { kind: 'too-long' };
  return validateJson(p.schema, value).length > 0
    ? { kind: 'invalid', field: p.name }
    : { kind: 'valid', retarget };
}

function queryOutcome(p: Parameter, value: string, retarget: boolean): Outcome {
  const schema = isObject(p.schema) ? p.schema : {};
  // The server coerces numbers as Number() does (z.coerce): "" is 0, "1.5" is 1.5.
  const parsed = schema.type === 'integer' ? Number(value) : value;
  const ok =
    (typeof parsed !== 'number' || Number.isFinite(parsed)) && validateJson(schema, parsed).length === 0;
  // A refinement JSON Schema cannot say: an exec argument (`cmd`) has no NUL.
  const refined = p.name === 'cmd' && value.includes('\u0000');
  return ok && !refined ? { kind: 'valid', retarget } : { kind: 'invalid', field: p.name };
}

function bodyOutcome(op: Operation, body: unknown, field: string, retarget: boolean): Outcome {
  if (JSON.stringify(body).length > MIB) return { kind: 'too-large' };
  if (validateJson(op.bodySchema, body).length > 0) return { kind: 'invalid', field };
  const refined = refinement(body);
  return refined ? { kind: 'invalid', field: refined } : { kind: 'valid', retarget };
}

/**
 * What the server's schemas refuse beyond what JSON Schema can say (zod refinements): NUL in a
 * value (env and secret values, command arguments: `command`, `cmd`), and an env or secrets patch that changes nothing.
 */
function refinement(body: unknown): string | null {
  if (!isObject(body as Json)) return null;
  const b = body as JsonObject;
  for (const [field, v] of Object.entries(b)) {
    if (JSON.stringify(v).includes('\\u0000') && ['set', 'env', 'command', 'cmd'].includes(field))
      return field;
  }
  const isPatch = Object.keys(b).every((k) => k === 'set' || k === 'unset') && ('set' in b || 'unset' in b);
  const size = (v: Json | undefined) =>
    Array.isArray(v) ? v.length : isObject(v ?? null) ? Object.keys(v as JsonObject).length : 0;
  return isPatch && size(b.set) + size(b.unset) === 0 ? 'body' : null;
}

/** The object branch of a body schema (`anyOf: [object, null]` for optional bodies). */
function objectSchema(schema: Json): JsonObject {
  if (isObject(schema) && Array.isArray(schema.anyOf)) {
    const obj = schema.anyOf.find((s) => isObject(s) && s.type === 'object');
    if (isObject(obj ?? null)) return obj as JsonObject;
  }
  return isObject(schema) ? schema : {};
}

type FieldVariants = [path: string[], variants: Variant[]];

/** Every field the schema declares, nested objects, records and arrays included, with its variants. */
function bodyFields(schema: JsonObject, base: unknown, prefix: string[] = []): FieldVariants[] {
  const props = isObject(schema.properties ?? null) ? (schema.properties as JsonObject) : {};
  const baseObj = isObject((base ?? null) as Json) ? (base as JsonObject) : {};
  const out: FieldVariants[] = [];
  for (const [name, raw] of Object.entries(props)) {
    const s = objectSchema(raw);
    const current = baseObj[name];
    const sample = typeof current === 'string' ? current : 'valid';
    const path = [...prefix, name];
    const strings = stringVariants(sample);
    // Where a string is itself the wrong type, a few of them say all there is to say.
    const asWrongType = strings.filter((v) =>
      ['; command', '{ }', 'NUL', '1 MiB', 'empty'].includes(v.label),
    );
    out.push([path, [...(isString(s) ? strings : asWrongType), ...wrongTypes(sample)]]);
    if (s.type === 'object' && s.properties !== undefined) out.push(...bodyFields(s, current, path));
    // A record (env, set): hostile keys, and hostile values under a good key.
    if (s.type === 'object' && isObject(s.additionalProperties ?? null)) {
      out.push([
        path,
        stringVariants('KEY').map((v) => ({ label: `key ${v.label}`, value: { [String(v.value)]: 'v' } })),
      ]);
      out.push([
        [...path, 'KEY'],
        [...stringVariants('value'), ...wrongTypes('value')],
      ]);
    }
    const items = anyOfArray(raw);
    if (items !== null)
      out.push([
        [...path, '0'],
        [...stringVariants('item'), ...wrongTypes('item')],
      ]);
  }
  return out;
}

const isString = (schema: JsonObject): boolean =>
  schema.type === 'string' ||
  (Array.isArray(schema.anyOf) && schema.anyOf.some((x) => isObject(x) && x.type === 'string'));

const anyOfArray = (schema: Json): Json | null => {
  const options = isObject(schema) && Array.isArray(schema.anyOf) ? schema.anyOf : [schema];
  const arr = options.find((s) => isObject(s) && s.type === 'array');
  return isObject(arr ?? null) ? ((arr as JsonObject).items ?? true) : null;
};

/** A copy of `base` with `value` at `path` (creating objects and arrays on the way). */
function setAt(base: unknown, path: readonly string[], value: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  if (/^\d+$/.test(head)) return [setAt(undefined, rest, value)];
  const obj = isObject((base ?? null) as Json) ? { ...(base as JsonObject) } : {};
  return { ...obj, [head]: setAt(obj[head], rest, value) };
}
