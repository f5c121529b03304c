import type { Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import { printJson, printTable } from '../cli/output.js';
import type { CliEnvironment } from '../cli/environment.js';
import { releaseStatuses } from '../cli/release-status.js';

export function registerReleases(program: Command, environment: CliEnvironment): void {
  withCommon(program.command('releases <app>'))
    .description(
      "list an app's releases, newest first, with what each is: serving, deploying, previous (what `rollback` goes back to), failed, superseded, ignored",
    )
    .action(
      action(async (name: string, opts: CommonOptions) => {
        const client = clientFor(environment, opts);
        const releases = await client.listReleases(name);
        const statuses = releaseStatuses(releases, await client.listDeployments(name));
        if (opts.json) return printJson(releases.map((r) => ({ ...r, status: statuses.get(r.id) ?? '-' })));
        printTable(
          releases.map((r) => [
            `v${r.version}${r.current ? ' *' : ''}`,
            statuses.get(r.id) ?? '-',
            r.image,
            r.imageId?.slice(7, 19) ?? '-',
            String(Object.keys(r.env).length),
            r.createdAt,
          ]),
          ['VERSION', 'STATUS', 'IMAGE', 'IMAGE ID', 'ENV VARS', 'CREATED'],
        );
      }),
    );
}
