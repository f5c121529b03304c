import type { Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import type { CliEnvironment } from '../cli/environment.js';
import { EXIT } from '../cli/exit-codes.js';
import { printJson } from '../cli/output.js';
import { followDeployment } from '../cli/progress.js';

interface RestoreOptions extends CommonOptions {
  to: string;
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
 * `berth backups restore DB BACKUP --to NEW`: a verified backup of a database into a new one,
 * which starts on the restored data once it equals the source at dump time. Into a new database
 * only: the running one is never touched, so a bad restore costs nothing; switch apps over with
 * `berth db link NEW APP`.
 */
export function registerDatabaseRestore(backups: Command, environment: CliEnvironment): void {
  withCommon(backups.command('restore <database> <backup>'))
    .description(
      "restore a verified backup of a database into a new database (--to): read back, loaded with the new database's credentials, compared with the source at dump time, then started",
    )
    .requiredOption('--to <name>', 'the new database (same engine and version)')
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
          process.stderr.write(`Restoring backup ${backup} of ${name} into a new database ${opts.to}…\n`);
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
            to: opts.to,
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
        if (!json)
          process.stdout.write(
            `Restored backup ${restored.backup} into database ${restored.database} (${now.status}); link it with: berth db link ${restored.database} APP\n`,
          );
      }),
    );
}
