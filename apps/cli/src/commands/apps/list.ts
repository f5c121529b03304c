import type { Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../../cli/command.js';
import { printJson, printTable } from '../../cli/output.js';
import type { CliEnvironment } from '../../cli/environment.js';

export function registerAppsList(apps: Command, environment: CliEnvironment): void {
  withCommon(apps.command('list'))
    .alias('ls')
    .description('list apps')
    .action(
      action(async (opts: CommonOptions) => {
        const list = await clientFor(environment, opts).listApps();
        if (opts.json) return printJson(list);
        if (list.length === 0) {
          process.stdout.write('No apps yet. Create one with: berth apps create NAME --image IMAGE\n');
          return;
        }
        printTable(
          list.map((a) => [
            a.name,
            a.status,
            a.currentRelease ? `v${a.currentRelease.version}` : '-',
            String(a.replicas),
            a.url,
          ]),
          ['NAME', 'STATUS', 'RELEASE', 'REPLICAS', 'URL'],
        );
      }),
    );
}
