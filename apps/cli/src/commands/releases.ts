import type { Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import { printJson, printTable } from '../cli/output.js';
import type { CliEnvironment } from '../cli/environment.js';

export function registerReleases(program: Command, environment: CliEnvironment): void {
  withCommon(program.command('releases <app>'))
    .description("list an app's releases, newest first")
    .action(
      action(async (name: string, opts: CommonOptions) => {
        const releases = await clientFor(environment, opts).listReleases(name);
        if (opts.json) return printJson(releases);
        printTable(
          releases.map((r) => [
            `v${r.version}${r.current ? ' *' : ''}`,
            r.image,
            r.imageId?.slice(7, 19) ?? '-',
            String(Object.keys(r.env).length),
            r.createdAt,
          ]),
          ['VERSION', 'IMAGE', 'IMAGE ID', 'ENV VARS', 'CREATED'],
        );
      }),
    );
}
