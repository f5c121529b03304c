import type { Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import { finishDeployment } from '../cli/deployment-result.js';
import { printJson, printTable } from '../cli/output.js';
import type { CliEnvironment } from '../cli/environment.js';

export function registerDeployments(program: Command, environment: CliEnvironment): void {
  const deployments = program.command('deployments').description('deployment history and progress');

  withCommon(deployments.command('list <app>'))
    .alias('ls')
    .description("an app's deployments, newest first")
    .action(
      action(async (name: string, opts: CommonOptions) => {
        const list = await clientFor(environment, opts).listDeployments(name);
        if (opts.json) return printJson(list);
        printTable(
          list.map((d) => [
            d.id,
            d.kind,
            `v${d.releaseVersion}`,
            d.status,
            d.createdAt,
            // Who asked; berthd's own (a webhook's push, a move) and an older berthd's: "-".
            d.requestedBy ?? '-',
            d.error?.code ?? '',
          ]),
          ['ID', 'KIND', 'RELEASE', 'STATUS', 'CREATED', 'BY', 'ERROR'],
        );
      }),
    );

  withCommon(deployments.command('show <id>'))
    .description('a deployment and its steps; --follow waits for it to finish')
    .option('-f, --follow', 'follow it live until it ends (exit 2 if it fails)')
    .action(
      action(async (id: string, opts: CommonOptions & { follow?: boolean }) => {
        const client = clientFor(environment, opts);
        const d = await client.getDeployment(id);
        if (opts.follow) return finishDeployment(client, d, { wait: true, json: opts.json === true });
        if (opts.json) return printJson(d);
        const by = d.requestedBy ? ` (by ${d.requestedBy})` : '';
        process.stdout.write(`${d.id}  ${d.kind} v${d.releaseVersion} of ${d.appName}${by}: ${d.status}\n`);
        for (const e of d.events)
          process.stdout.write(`  ${e.at}  ${e.level === 'info' ? '' : `${e.level}: `}${e.message}\n`);
      }),
    );
}
