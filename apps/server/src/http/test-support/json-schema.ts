/**
 * Just enough JSON Schema (2020-12, as the spec's zod-generated schemas use it) to check a response
 * against openapi.yaml. A keyword it does not know is an error, never silently ignored, so the
 * check cannot quietly weaken when the schemas grow.
 */
type Schema = { [key: string]: unknown };

const ANNOTATIONS = new Set([
  'description',
  'title',
  'default',
  'examples',
  'example',
  '$schema',
  'deprecated',
]);
const KNOWN = new Set([
  ...ANNOTATIONS,
  'type',
  'properties',
  'required',
  'additionalProperties',
  'propertyNames',
  'items',
  'enum',
  'const',
  'pattern',
  'format',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minItems',
  'maxItems',
  'anyOf',
  'oneOf',
  'allOf',
]);

const typeOf = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v;

const isType = (v: unknown, type: string): boolean => {
  const actual = typeOf(v);
  return actual === type || (type === 'number' && actual === 'integer');
};

/** The problems of `value` against `schema`, each with its JSON path; empty when it conforms. */
export function validateJson(schema: unknown, value: unknown, path = '$'): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${path}: no value is allowed here`];
  if (typeof schema !== 'object' || schema === null) throw new Error(`${path}: not a schema`);
  const s = schema as Schema;
  const unknown = Object.keys(s).filter((k) => !KNOWN.has(k));
  if (unknown.length > 0)
    throw new Error(`${path}: unsupported JSON Schema keyword(s) ${unknown.join(', ')}`);
  const errors: string[] = [];
  const fail = (message: string): void => void errors.push(`${path}: ${message}`);

  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
    if (!types.some((t) => isType(value, t))) {
      fail(`is ${typeOf(value)}, not ${types.join(' or ')}`);
      return errors;
    }
  }
  if (s.enum !== undefined && !(s.enum as unknown[]).some((e) => e === value)) fail(`is not one of the enum`);
  if (s.const !== undefined && s.const !== value) fail(`is not ${JSON.stringify(s.const)}`);
  if (typeof value === 'string') errors.push(...checkString(s, value, path));
  if (typeof value === 'number') errors.push(...checkNumber(s, value, path));
  if (Array.isArray(value)) errors.push(...checkArray(s, value, path));
  else if (typeof value === 'object' && value !== null)
    errors.push(...checkObject(s, value as Record<string, unknown>, path));
  if (s.allOf !== undefined)
    for (const sub of s.allOf as unknown[]) errors.push(...validateJson(sub, value, path));
  const matching = (subs: unknown) =>
    (subs as unknown[]).filter((sub) => validateJson(sub, value, path).length === 0);
  if (s.anyOf !== undefined && matching(s.anyOf).length === 0) fail('matches none of anyOf');
  if (s.oneOf !== undefined && matching(s.oneOf).length !== 1) fail('does not match exactly one of oneOf');
  return errors;
}

function checkString(s: Schema, value: string, path: string): string[] {
  const errors: string[] = [];
  const length = [...value].length;
  if (typeof s.minLength === 'number' && length < s.minLength)
    errors.push(`${path}: shorter than ${s.minLength}`);
  if (typeof s.maxLength === 'number' && length > s.maxLength)
    errors.push(`${path}: longer than ${s.maxLength}`);
  if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(value))
    errors.push(`${path}: ${JSON.stringify(value)} does not match ${s.pattern}`);
  if (s.format !== undefined) {
    // Only the formats the spec uses: another is an error, as an unknown keyword is.
    if (s.format !== 'date-time')
      throw new Error(`${path}: unsupported JSON Schema format ${JSON.stringify(s.format)}`);
    if (Number.isNaN(Date.parse(value))) errors.push(`${path}: ${JSON.stringify(value)} is no date-time`);
  }
  return errors;
}

function checkNumber(s: Schema, value: number, path: string): string[] {
  const errors: string[] = [];
  if (typeof s.minimum === 'number' && value < s.minimum) errors.push(`${path}: below ${s.minimum}`);
  if (typeof s.maximum === 'number' && value > s.maximum) errors.push(`${path}: above ${s.maximum}`);
  if (typeof s.exclusiveMinimum === 'number' && value <= s.exclusiveMinimum)
    errors.push(`${path}: too small`);
  if (typeof s.exclusiveMaximum === 'number' && value >= s.exclusiveMaximum)
    errors.push(`${path}: too large`);
  return errors;
}

function checkArray(s: Schema, value: unknown[], path: string): string[] {
  const errors: string[] = [];
  if (typeof s.minItems === 'number' && value.length < s.minItems)
    errors.push(`${path}: fewer than ${s.minItems} items`);
  if (typeof s.maxItems === 'number' && value.length > s.maxItems)
    errors.push(`${path}: more than ${s.maxItems} items`);
  if (s.items !== undefined)
    value.forEach((v, i) => errors.push(...validateJson(s.items, v, `${path}[${i}]`)));
  return errors;
}

function checkObject(s: Schema, value: Record<string, unknown>, path: string): string[] {
  const errors: string[] = [];
  const properties = (s.properties ?? {}) as Record<string, unknown>;
  for (const key of (s.required ?? []) as string[]) {
    if (!Object.hasOwn(value, key)) errors.push(`${path}: ${key} is required`);
  }
  for (const [key, v] of Object.entries(value)) {
    const at = `${path}.${key}`;
    if (s.propertyNames !== undefined) errors.push(...validateJson(s.propertyNames, key, `${at} (name)`));
    if (Object.hasOwn(properties, key)) errors.push(...validateJson(properties[key], v, at));
    else if (s.additionalProperties !== undefined)
      errors.push(...validateJson(s.additionalProperties, v, at));
  }
  return errors;
}
