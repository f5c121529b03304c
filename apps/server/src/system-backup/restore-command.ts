import { isAbsolute } from 'node:path';
import { parseArgs } from 'node:util';
import { BerthError, isBerthError } from '@berth/protocol';
import { readBackupFile, restoreSystemBackup } from './restore.js';

/**
 * `berthd restore --from FILE --data-dir DIR --passphrase-stdin [--force]`: offline, before
 * berthd first starts on a new machine. The passphrase comes on stdin only (never argv, which
 * other users can read in /proc); `berth system restore` prompts for it and pipes it here.
 */
export async function runRestoreCommand(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<void> {
  try {
    await restoreCommand(argv, env);
  } catch (err) {
    // berthd's main prints the message only; a restore's hint says what to do next.
    if (isBerthError(err) && err.hint !== undefined)
      throw new BerthError(err.code, `${err.message}\n  ${err.hint}`);
    throw err;
  }
}

async function restoreCommand(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      from: { type: 'string' },
      'data-dir': { type: 'string' },
      'passphrase-stdin': { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const from = values.from;
  const dataDir = values['data-dir'] ?? env.BERTHD_DATA_DIR;
  if (from === undefined || dataDir === undefined || !isAbsolute(dataDir) || !values['passphrase-stdin'])
    throw new BerthError(
      'VALIDATION_FAILED',
      'usage: berthd restore --from FILE --data-dir /ABSOLUTE/DIR --passphrase-stdin [--force]',
    );
  const passphrase = await readPassphrase();
  const sealed = await readBackupFile(from);
  const result = await restoreSystemBackup({ sealed, passphrase, dataDir, force: values.force });
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ dataDir, ...result })}\n`);
    return;
  }
  process.stdout.write(
    `Restored Berth's state of ${new Date(result.createdAt).toISOString()} into ${dataDir}:\n` +
      result.files.map((f) => `  ${f}\n`).join('') +
      (result.masterKeyFromEnvironment
        ? 'The master key is not in this backup (berthd ran with BERTH_MASTER_KEY): set BERTH_MASTER_KEY to it before starting berthd.\n'
        : '') +
      'Start berthd on this data dir (berth up --data-dir DIR, or the service); agents reconnect to it at the same URL.\n',
  );
}

async function readPassphrase(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}
