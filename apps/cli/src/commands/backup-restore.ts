import type { Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import type { CliEnvironment } from '../cli/environment.js';
import { EXIT } from '../cli/exit-codes.js';
import { printJson } from '../cli/output.js';
import { followDeployment } from '../cli/progress.js';

interface RestoreOptions extends CommonOptions {
  to?: string;
  server?: string;
  team?: string;
  wait: boolean;
}

const indent = (text: string): string =>
  text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');

/**
 * `berth backups restore DB BACKUP [--to NEW]`: a verified backup of a database into a new one
 * (`--to`), or into the database itself, which restarts on the restored data. Either way the
 * load happens on a volume nothing runs on and is checked against the source at dump time first.
 */
export function registerDatabaseRestore(backups: Command, environment: CliEnvironment): void {
  withCommon(backups.command('restore <database> <backup>'))
    .description(
      'restore a verified backup of a database: read back, loaded into a volume nothing runs on, compared with the source at dump time; then the database restarts on it (its writes since the backup are gone; its previous volume is kept), or with --to a new database starts on it',
    )
    .option('--to <name>', 'restore into a new database of that name instead (same engine and version)')
    .option('--server <name>', "the server the new database lives on (default: the source's)")
    .option('--team <team>', 'the team that owns the database (default: yours)')
    .option('--no-wait', 'return once the data is restored, without waiting for the new database to start')
    .addHelpText('after', '\nVolumes are restored in place instead: berth volumes restore VOLUME BACKUP')
    .action(
      action(async (name: string, backup: string, opts: RestoreOptions) => {
        const client = clientFor(environment, opts);
        const json = opts.json === true;
        const began = Date.now();
        if (!json)
          process.stderr.write(
            opts.to === undefined
              ? `Restoring backup ${backup} into ${name} (it keeps running until the restored copy has passed its check)…\n`
              : `Restoring backup ${backup} of ${name} into a new database ${opts.to}…\n`,
          );
        const ticker = json
          ? null
          : setInterval(
              () =>
                process.stderr.write(
                  `  still restoring (${Math.round((Date.now() - began) / 1000)}s): reading it back, loading, counting\n`,
                ),
              5_000,
            );
        let restored;
        try {
          restored = await client.restoreDatabase(name, {
            backup,
            ...(opts.to !== undefined && { to: opts.to }),
            ...(opts.server !== undefined && { server: opts.server }),
            ...(opts.team !== undefined && { team: opts.team }),
          });
        } finally {
          if (ticker) clearInterval(ticker);
        }
        if (!json) process.stderr.write(`${indent(restored.output)}\n`);
        if (!opts.wait) {
          if (json) return printJson(restored);
          return void process.stdout.write(`Restored into ${restored.database}; it is starting\n`);
        }
        const final = await followDeployment(client, await client.getDeployment(restored.deploymentId), json);
        const now = await client.getDatabase(restored.database, opts.team);
        if (json) printJson({ ...restored, status: now.status });
        if (final.status !== 'succeeded') {
          process.stderr.write(
            `error: ${final.error?.message ?? `the restored database did not start (${now.status})`}\n`,
          );
          return EXIT.deployFailed;
        }
        if (json) return;
        process.stdout.write(
          restored.previousVolume === null
            ? `Restored backup ${restored.backup} into database ${restored.database} (${now.status}); link it with: berth db link ${restored.database} APP\n`
            : `Restored backup ${restored.backup} into database ${restored.database} (${now.status}); its previous data stays in volume ${restored.previousVolume} (berth volumes delete ${restored.previousVolume} when you no longer need it)\n`,
        );
      }),
    );
}
