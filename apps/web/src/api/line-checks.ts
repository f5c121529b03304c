/**
 * Checks for one parsed line of an NDJSON stream (see ndjson.ts): each returns the field typed,
 * or throws saying which field is wrong. A stream's module builds its line check from these, so
 * nothing from the network is used by its shape alone.
 */

export type Fields = Record<string, unknown>;

export const isFields = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const wrong = (key: string): Error => new Error(`${key} is missing or of the wrong type`);

export function fieldsOf(value: unknown, key: string): Fields {
  if (!isFields(value)) throw wrong(key);
  return value;
}

export function text(fields: Fields, key: string): string {
  const value = fields[key];
  if (typeof value !== 'string') throw wrong(key);
  return value;
}

export function textOrNull(fields: Fields, key: string): string | null {
  const value = fields[key];
  if (value !== null && typeof value !== 'string') throw wrong(key);
  return value;
}

export function whole(fields: Fields, key: string, min: number): number {
  const value = fields[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) throw wrong(key);
  return value;
}

export function oneOf<T extends string>(fields: Fields, key: string, allowed: readonly T[]): T {
  const value = fields[key];
  const found = allowed.find((a) => a === value);
  if (found === undefined) throw wrong(key);
  return found;
}
