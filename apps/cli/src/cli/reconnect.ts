import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, type BerthClient } from '@berth/client';
import { EXIT } from './exit-codes.js';
import { CliError } from './output.js';

/**
 * Riding out a restart of berthd (a crash, an upgrade, `kill -9`): its work is durable and goes
 * on, so a command that was following it, or whose request lost its answer, waits for berthd to
 * answer again and carries on, instead of failing while the work succeeds.
 */

/** How long berthd may be away before the command gives up (exit 3). */
export const RECONNECT_WINDOW_MS = 60_000;

/** Losses in a row, without a line received in between, after which a follow gives up. */
export const MAX_RECONNECTS = 10;

/** Waits between tries: 250 ms, doubling to 2 s. */
export const reconnectDelayMs = (attempt: number): number => Math.min(2000, 250 * 2 ** attempt);

/** A request or a stream that got no answer (berthd down, restarting, or the connection cut). */
export const isConnectionLoss = (err: unknown): err is ApiError =>
  err instanceof ApiError && err.code === 'UNREACHABLE';

export interface Outage {
  /** When berthd was first missed in this outage (ms since the epoch). */
  since: number;
  /** What to run to pick up from there, said if berthd does not come back in time. */
  hint: string;
}

/**
 * Waits until berthd answers its health check, trying with backoff; throws a CliError (exit 3)
 * once the window since the outage began has passed.
 */
export async function waitForBerthd(
  client: BerthClient,
  outage: Outage,
  { signal, windowMs = RECONNECT_WINDOW_MS }: { signal?: AbortSignal; windowMs?: number } = {},
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    await sleep(reconnectDelayMs(attempt), undefined, { signal });
    try {
      await client.health();
      return;
    } catch (err) {
      if (!isConnectionLoss(err) && !(err instanceof ApiError && err.status >= 500)) throw err;
      if (Date.now() - outage.since >= windowMs)
        throw new CliError(
          `berthd has not answered for ${Math.round(windowMs / 1000)} s (${err.message})`,
          EXIT.unreachable,
          outage.hint,
        );
    }
  }
}
