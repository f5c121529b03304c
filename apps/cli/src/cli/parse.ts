import { parseDuration } from '@berth/core';
import { ENV_KEY_PATTERN } from '@berth/protocol';
import { InvalidArgumentError } from 'commander';

/** Argument parsers that fail with a message naming the flag and the expected form. */

export function parseIntArg(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return n;
  };
}

export function parseDurationArg(value: string): number {
  const ms = parseDuration(value);
  if (ms === null) throw new InvalidArgumentError('expected a duration like 500ms, 10s or 2m');
  return ms;
}

/** `KEY=VALUE` pairs; the value may itself contain `=`. */
export function parseEnvPairs(pairs: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = eq > 0 ? pair.slice(0, eq) : '';
    if (!ENV_KEY_PATTERN.test(key)) {
      throw new InvalidArgumentError(
        `"${pair}" is not KEY=VALUE with a key of letters, digits and underscores`,
      );
    }
    env[key] = pair.slice(eq + 1);
  }
  return env;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
