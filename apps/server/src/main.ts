import { pino } from 'pino';
import { isBerthError } from '@berth/protocol';
import { parseServerConfig } from './config.js';
import { startBerthd } from './server.js';
import { runRestoreCommand } from './system-backup/restore-command.js';

/**
 * berthd: the control plane. Configured by BERTHD_* variables (see config.ts); `berth up` sets them.
 * `berthd restore …` instead writes a system backup into a data dir, offline (restore-command.ts).
 */
async function main(): Promise<void> {
  const config = parseServerConfig(process.env);
  const logger = pino({ level: config.logLevel, base: { svc: 'berthd' } });
  const berthd = await startBerthd(config, { logger });
  logger.info(
    { url: berthd.url, ...(berthd.caFingerprint && { caFingerprint: berthd.caFingerprint }) },
    'berthd is listening',
  );
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    berthd.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'stopping failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

const run =
  process.argv[2] === 'restore' ? () => runRestoreCommand(process.argv.slice(3), process.env) : main;

run().catch((err: unknown) => {
  process.stderr.write(`berthd: ${isBerthError(err) || err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
