import type { Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import { finishDeployment } from '../cli/deployment-result.js';
import type { CliEnvironment } from '../cli/environment.js';
import { printJson, printTable } from '../cli/output.js';
import { parseEnvPairs } from '../cli/parse.js';
import { readStdin } from '../cli/prompt.js';

type WaitOptions = CommonOptions & { wait: boolean };

export function registerSecrets(program: Command, environment: CliEnvironment): void {
  const secrets = program
    .command('secrets')
    .description(
      "an app's secrets: encrypted at rest, never shown again; a change is a new release, rolled out",
    );

  withCommon(secrets.command('set <app> [pairs...]'))
    .description(
      'set KEY=VALUE pairs (or, with --stdin, one KEY=VALUE per line from stdin, so values stay out of shell history)',
    )
    .option('--stdin', 'read KEY=VALUE lines from stdin')
    .option('--no-wait', 'return once the new release is queued')
    .action(
      action(async (app: string, pairs: string[], opts: WaitOptions & { stdin?: boolean }) => {
        const lines = opts.stdin ? (await readStdin()).split('\n').filter((l) => l.trim() !== '') : [];
        return change(environment, app, { set: parseEnvPairs([...pairs, ...lines]) }, opts);
      }),
    );

  withCommon(secrets.command('unset <app> <keys...>'))
    .description('remove secrets')
    .option('--no-wait', 'return once the new release is queued')
    .action(
      action(async (app: string, keys: string[], opts: WaitOptions) =>
        change(environment, app, { unset: keys }, opts),
      ),
    );

  withCommon(secrets.command('list <app>'))
    .alias('ls')
    .description('secret names and when they changed; values are never shown')
    .action(
      action(async (app: string, opts: CommonOptions) => {
        const list = await clientFor(environment, opts).listSecrets(app);
        if (opts.json) return printJson(list);
        printTable(
          list.secrets.map((s) => [s.key, '********', s.updatedAt]),
          ['KEY', 'VALUE', 'UPDATED'],
        );
      }),
    );
}

async function change(
  environment: CliEnvironment,
  app: string,
  patch: { set?: Record<string, string>; unset?: string[] },
  opts: WaitOptions,
): Promise<number | void> {
  const client = clientFor(environment, opts);
  const { secrets, deployment } = await client.patchSecrets(app, patch);
  if (deployment) return finishDeployment(client, deployment, { wait: opts.wait, json: opts.json === true });
  if (opts.json) return printJson({ secrets, deployment: null });
  process.stdout.write(
    `Saved; ${app} gets them with its next deploy (nothing changed, or nothing is deployed yet)\n`,
  );
}
