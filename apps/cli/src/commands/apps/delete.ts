import type { Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../../cli/command.js';
import { EXIT } from '../../cli/exit-codes.js';
import { CliError, printJson } from '../../cli/output.js';
import type { CliEnvironment } from '../../cli/environment.js';

export function registerAppsDelete(apps: Command, environment: CliEnvironment): void {
  withCommon(apps.command('delete <name>'))
    .alias('rm')
    .description('delete an app: its replicas stop, its route goes away, its history is removed')
    .option('--yes', 'do not ask for confirmation')
    .action(
      action(async (name: string, opts: CommonOptions & { yes?: boolean }) => {
        if (!opts.yes) {
          throw new CliError(
            `Deleting ${name} removes its replicas and history`,
            EXIT.userError,
            `Run again with --yes: berth apps delete ${name} --yes`,
          );
        }
        await clientFor(environment, opts).deleteApp(name);
        if (opts.json) printJson({ deleted: name });
        else process.stdout.write(`Deleted ${name}\n`);
      }),
    );
}
