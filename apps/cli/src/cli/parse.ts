import { parseDuration } from '@berth/core';
import { ENV_KEY_PATTERN, GitRef } from '@berth/protocol';
import { CliError } from './output.js';
import { EXIT } from './exit-codes.js';
import { InvalidArgumentError } from 'commander';

/** Argument parsers that fail with a message naming the flag and the expected form. */

export function parseIntArg(min: number, max: number): (value: string) => number {
  return (value) => {
    // Digits only: Number() would read '' and ' ' as 0, and '1e1' or '0x10' as numbers too.
    const n = /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
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

/** Where a KEY=VALUE pair came from, for a message that can name it without quoting it. */
export type PairSource = (index: number) => string;

/**
 * `KEY=VALUE` pairs; the value may itself contain `=`. A bad pair is the user's mistake (exit 1).
 * With `secret`, the message says where the pair was and nothing of it: a line without a valid
 * key may well be the secret itself (a bare base64 value has `=` in it), and the message ends up
 * on a terminal or in a CI log.
 */
export function parseEnvPairs(
  pairs: readonly string[],
  {
    secret = false,
    source = (i: number) => `argument ${i + 1}`,
  }: { secret?: boolean; source?: PairSource } = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [i, pair] of pairs.entries()) {
    const eq = pair.indexOf('=');
    const key = eq > 0 ? pair.slice(0, eq) : '';
    if (!ENV_KEY_PATTERN.test(key)) {
      const what = secret ? `${source(i)} (not shown: it may be a secret)` : `"${pair}"`;
      throw new CliError(
        `${what} is not KEY=VALUE with a key of letters, digits and underscores, not starting with a digit`,
        EXIT.userError,
        'e.g. API_KEY=…',
      );
    }
    env[key] = pair.slice(eq + 1);
  }
  return env;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `--branch`, `--tag` or `--commit` as a GitRef: at most one of them; undefined for none. */
export function gitRefOf(opts: { branch?: string; tag?: string; commit?: string }): GitRef | undefined {
  const given = (['branch', 'tag', 'commit'] as const).filter((k) => opts[k] !== undefined);
  if (given.length > 1)
    throw new CliError(
      `give one of --branch, --tag and --commit, not ${given.join(' and ')}`,
      EXIT.userError,
    );
  const kind = given[0];
  if (!kind) return undefined;
  const name = opts[kind] ?? '';
  const parsed = GitRef.safeParse({ kind, name });
  if (!parsed.success)
    throw new CliError(
      `--${kind} ${JSON.stringify(name)} ${parsed.error.issues[0]?.message ?? 'is not valid'}`,
      EXIT.userError,
    );
  return parsed.data;
}
