import { setTimeout as sleep } from 'node:timers/promises';
import { ERROR_CODES, isErrorCode, type BackupView } from '@berth/protocol';
import type { BerthClient } from '@berth/client';
import { EXIT } from '../cli/exit-codes.js';
import { CliError } from '../cli/output.js';

/** How often a followed backup's row is read. */
const POLL_MS = 500;

/**
 * Follows a queued backup (a job in berthd's queue) until its row is `verified` or `failed`,
 * telling a person on stderr how long it has run. A failed backup is the error it was when the
 * backup ran inside the request: same message, same exit code (from its error code's status).
 * Ctrl-C stops following, not the backup.
 */
export async function followBackup(
  client: BerthClient,
  queued: BackupView,
  team: string | undefined,
  progress: boolean,
): Promise<BackupView> {
  const began = Date.now();
  let lastReport = 0;
  if (progress)
    process.stderr.write(
      `Backup ${queued.id} of ${queued.source.name} to ${queued.target} queued; following it (Ctrl-C stops following, not the backup)\n`,
    );
  let b = queued;
  while (b.status === 'running') {
    await sleep(POLL_MS);
    b = await client.getBackup(b.id, team);
    const elapsed = Math.round((Date.now() - began) / 1000);
    if (progress && elapsed >= lastReport + 5) {
      lastReport = elapsed;
      process.stderr.write(
        `  still running (${elapsed}s): archiving, uploading, then restoring it to check\n`,
      );
    }
  }
  if (b.status === 'failed') throw backupFailure(b);
  return b;
}

/** `CODE: message` as the job recorded it, back into the error the CLI would have shown. */
function backupFailure(b: BackupView): CliError {
  const recorded = b.error ?? 'unknown reason';
  const match = /^([A-Z_]+): ([\s\S]*)$/.exec(recorded);
  const code = match?.[1];
  const status = code !== undefined && isErrorCode(code) ? ERROR_CODES[code].status : 500;
  return new CliError(
    `Backup ${b.id} of ${b.source.kind} ${b.source.name} failed: ${match?.[2] ?? recorded}${code ? ` (${code})` : ''}`,
    status >= 500 ? EXIT.internal : EXIT.userError,
    `See it with: berth backups list ${b.source.name}`,
  );
}
