import type { EnvPatch } from '@berth/protocol';
import type { Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../../cli/command.js';
import { finishDeployment } from '../../cli/deployment-result.js';
import { printJson, printTable } from '../../cli/output.js';
import { parseEnvPairs } from '../../cli/parse.js';
import { submitOnce, withIdempotencyKey } from '../../cli/submit.js';
import type { CliEnvironment } from '../../cli/environment.js';

type WaitOptions = CommonOptions & { wait: boolean; idempotencyKey?: string };

export function registerEnv(program: Command, environment: CliEnvironment): void {
  const env = program
    .command('env')
    .description("an app's environment variables; a change is a new release, rolled out");

  withCommon(env.command('list <app>'))
    .alias('ls')
    .description('list variables')
    .action(
      action(async (name: string, opts: CommonOptions) => {
        const vars = await clientFor(environment, opts).getEnv(name);
        if (opts.json) return printJson(vars);
        printTable(
          Object.entries(vars).map(([k, v]) => [k, v]),
          ['KEY', 'VALUE'],
        );
      }),
    );

  const setCommand = withCommon(env.command('set <app> <pairs...>'))
    .description('set KEY=VALUE pairs')
    .option('--no-wait', 'return once the new release is queued');
  withIdempotencyKey(setCommand).action(
    action(async (name: string, pairs: string[], opts: WaitOptions) =>
      change(environment, name, { set: parseEnvPairs(pairs) }, opts),
    ),
  );

  const unsetCommand = withCommon(env.command('unset <app> <keys...>'))
    .description('remove variables')
    .option('--no-wait', 'return once the new release is queued');
  withIdempotencyKey(unsetCommand).action(
    action(async (name: string, keys: string[], opts: WaitOptions) =>
      change(environment, name, { unset: keys }, opts),
    ),
  );
}

async function change(
  environment: CliEnvironment,
  name: string,
  patch: EnvPatch,
  opts: WaitOptions,
): Promise<number | void> {
  const client = clientFor(environment, opts);
  const { env, deployment } = await submitOnce(client, (key) => client.patchEnv(name, patch, key), {
    app: name,
    idempotencyKey: opts.idempotencyKey,
    json: opts.json === true,
  });
  if (deployment) return finishDeployment(client, deployment, { wait: opts.wait, json: opts.json === true });
  if (opts.json) printJson({ env, deployment: null });
  else
    process.stdout.write(
      `Saved; ${name} gets it with its next deploy (nothing changed, or nothing is deployed yet)\n`,
    );
}
