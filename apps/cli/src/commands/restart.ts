import type { Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import { finishDeployment } from '../cli/deployment-result.js';
import type { CliEnvironment } from '../cli/environment.js';

export function registerRestart(program: Command, environment: CliEnvironment): void {
  withCommon(program.command('restart <app>'))
    .description(
      'replace every replica with a new container of the same release, one at a time, health-gated like a deploy',
    )
    .option('--no-wait', 'return once the restart is queued')
    .action(
      action(async (name: string, opts: CommonOptions & { wait: boolean }) => {
        const client = clientFor(environment, opts);
        const d = await client.restart(name);
        return finishDeployment(client, d, { wait: opts.wait, json: opts.json === true });
      }),
    );
}
