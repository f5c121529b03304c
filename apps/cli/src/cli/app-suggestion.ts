import { ApiError, type BerthClient } from '@berth/client';
import type { Command } from 'commander';
import { closestName } from './did-you-mean.js';
import { EXIT } from './exit-codes.js';
import { CliError } from './output.js';

/**
 * `berth deploy wbe` → "Did you mean web?". berthd answers an unknown app with a 404 that names
 * nothing else (what the caller may not see is 404 too); the CLI then lists the apps the caller
 * can see, the same list `berth apps list` shows, so no other team's name can come out of it.
 */
export async function withAppSuggestion(
  err: unknown,
  cmd: Command,
  client: BerthClient | undefined,
): Promise<unknown> {
  if (!(err instanceof ApiError) || err.code !== 'APP_NOT_FOUND' || !client) return err;
  const typed = cmd.processedArgs[0] as unknown;
  if (typeof typed !== 'string') return err;
  const names = await client.listApps().then(
    (apps) => apps.map((a) => a.name),
    () => [],
  );
  const suggestion = closestName(typed, names);
  if (!suggestion) return err;
  return new CliError(
    err.message,
    EXIT.userError,
    `Did you mean ${suggestion}? ${commandWith(cmd, suggestion)}`,
  );
}

/**
 * The command that was run, with the suggested name. Its other arguments and flags are left out
 * (`…`): they may hold a secret (`secrets set web KEY=VALUE`), and the hint is printed.
 */
function commandWith(cmd: Command, name: string): string {
  const words: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) words.unshift(c.name());
  const more = cmd.args.length > 1 || Object.keys(cmd.opts()).some((k) => !IMPLICIT.has(k));
  return `${[...words, name].join(' ')}${more ? ' …' : ''}`;
}

/** Options every command has a value for without the user giving them (`--no-wait` → wait). */
const IMPLICIT = new Set(['wait']);
