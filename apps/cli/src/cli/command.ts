import { createClient, type BerthClient } from '@berth/client';
import type { Command } from 'commander';
import { withAppSuggestion } from './app-suggestion.js';
import { resolveConnection, type ConnectionFlags } from './connection.js';
import type { CliEnvironment } from './environment.js';
import { reportError } from './output.js';

/** Options every client command takes. */
export interface CommonOptions extends ConnectionFlags {
  json?: boolean;
}

/** Adds the common options (--json, --url, --token, --data-dir) to a command. */
export function withCommon(cmd: Command): Command {
  return cmd
    .option('--json', 'print machine-readable JSON')
    .option('--url <url>', 'berthd URL (default: BERTH_URL, or the local data dir)')
    .option('--token <token>', 'API token (default: BERTH_TOKEN, or <data-dir>/admin.token)')
    .option(
      '--fingerprint <sha256:hex>',
      'for an https URL: the CA fingerprint berth up printed (default: BERTH_FINGERPRINT, or the one berth login pinned)',
    )
    .option(
      '--data-dir <dir>',
      'local Berth data dir to read the URL and token from (default: BERTH_DATA_DIR)',
    );
}

/** The client each command made, by its options object (commander passes the same one). */
const clients = new WeakMap<object, BerthClient>();

export function clientFor(environment: CliEnvironment, opts: CommonOptions): BerthClient {
  const client = createClient(resolveConnection(opts, environment));
  clients.set(opts, client);
  return client;
}

/**
 * Runs a command body and turns its outcome into an exit code, so every command reports
 * errors the same way (problem details → message, hint, exit code).
 */
export function action<A extends unknown[]>(
  fn: (...args: A) => Promise<number | void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const cmd = args[args.length - 1] as Command;
    const json = cmd.opts<CommonOptions>().json === true;
    try {
      process.exitCode = (await fn(...args)) ?? 0;
    } catch (err) {
      process.exitCode = reportError(await withAppSuggestion(err, cmd, clients.get(cmd.opts())), json);
    }
  };
}
