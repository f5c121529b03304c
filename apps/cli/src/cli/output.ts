import { ApiError } from '@berth/client';
import { BerthError } from '@berth/protocol';
import { CommanderError } from 'commander';
import { EXIT } from './exit-codes.js';
import { describeIssue } from './field-names.js';

/** Output for people (aligned text) or scripts (`--json`: one JSON document on stdout). */

export const isTty = (): boolean => process.stdout.isTTY === true;

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printTable(rows: readonly (readonly string[])[], header: readonly string[]): void {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  for (const r of all) {
    process.stdout.write(
      `${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')}\n`,
    );
  }
}

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly hint?: string,
    readonly details: string[] = [],
  ) {
    super(message);
  }
}

export function toCliError(err: unknown): CliError {
  if (err instanceof CliError) return err;
  if (err instanceof ApiError) {
    if (err.code === 'UNREACHABLE' || err.code === 'UNTRUSTED')
      return new CliError(err.message, EXIT.unreachable, err.hint);
    // One line per bad field, in the CLI's words (flags, not API paths); the message that
    // repeats the first of them is left out.
    if (err.issues.length > 0 && err.status < 500) {
      const [first = '', ...rest] = err.issues.map(describeIssue);
      return new CliError(first, EXIT.userError, err.hint, rest);
    }
    const exitCode = err.status >= 500 ? EXIT.internal : EXIT.userError;
    const suffix = err.status >= 500 && err.requestId ? ` (request ${err.requestId})` : '';
    return new CliError(`${err.message}${suffix}`, exitCode, err.hint);
  }
  if (err instanceof BerthError) return new CliError(err.message, EXIT.userError, err.hint);
  // A bad value found while a command runs (a KEY=VALUE pair from stdin, say): the user's.
  if (err instanceof CommanderError) return new CliError(err.message.replace(/^error: /, ''), EXIT.userError);
  return new CliError(err instanceof Error ? err.message : String(err), EXIT.internal);
}

/** Prints the error the way the output mode wants and returns the exit code. */
export function reportError(err: unknown, json: boolean): number {
  const e = toCliError(err);
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ error: { message: e.message, hint: e.hint ?? null, details: e.details, exitCode: e.exitCode } })}\n`,
    );
  } else {
    // Each of several problems is an error of its own: one line each, none printed twice.
    for (const line of [e.message, ...e.details]) process.stderr.write(`error: ${line}\n`);
    if (e.hint) process.stderr.write(`hint: ${e.hint}\n`);
  }
  return e.exitCode;
}
