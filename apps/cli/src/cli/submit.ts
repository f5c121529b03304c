import { randomUUID } from 'node:crypto';
import type { BerthClient } from '@berth/client';
import type { Command } from 'commander';
import { isConnectionLoss, waitForBerthd } from './reconnect.js';

/**
 * Sending a change that makes a deployment (deploy, rollback, env, scale, secrets) so that it
 * happens once: every try carries the same Idempotency-Key, so when berthd took the request but
 * its answer was lost (it restarted, the connection reset), sending it again returns the same
 * deployment instead of making a second one.
 */

/** One key per invocation of a command, unless the user gave one (`--idempotency-key`). */
export const newIdempotencyKey = (): string => `cli-${randomUUID()}`;

export interface SubmitOptions {
  /** The app it changes, for the hint when berthd does not come back. */
  app: string;
  /** `--idempotency-key`, else a new key for this invocation. */
  idempotencyKey?: string | undefined;
  json: boolean;
}

/** `--idempotency-key`, on every command that submits a change. */
export function withIdempotencyKey(cmd: Command): Command {
  return cmd.option(
    '--idempotency-key <key>',
    'retrying with the same key returns the first deployment instead of making another',
  );
}

export async function submitOnce<T>(
  client: BerthClient,
  send: (key: string) => Promise<T>,
  opts: SubmitOptions,
): Promise<T> {
  const key = opts.idempotencyKey ?? newIdempotencyKey();
  let outageSince: number | null = null;
  for (;;) {
    try {
      return await send(key);
    } catch (err) {
      if (!isConnectionLoss(err)) throw err;
      // Refused before anything was sent: berthd is not running. Say so now rather than wait.
      if (outageSince === null && err.connection === 'refused') throw err;
      outageSince ??= Date.now();
      await waitForBerthd(client, {
        since: outageSince,
        hint: `See whether it was made: berth deployments list ${opts.app}; the same command with --idempotency-key ${key} never makes it twice`,
      });
      (opts.json ? process.stderr : process.stdout).write('berthd restarted, sending the request again\n');
    }
  }
}
