import type { Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import { finishDeployment } from '../cli/deployment-result.js';
import { parseIntArg } from '../cli/parse.js';
import { submitOnce, withIdempotencyKey } from '../cli/submit.js';
import type { CliEnvironment } from '../cli/environment.js';

type RollbackOptions = CommonOptions & { to?: number; wait: boolean; idempotencyKey?: string };

export function registerRollback(program: Command, environment: CliEnvironment): void {
  const rollback = withCommon(program.command('rollback <app>'))
    .description('make the previous release (or --to VERSION) current again, rolled out like a deploy')
    .option('--to <version>', 'the release version to go back to', parseIntArg(1, Number.MAX_SAFE_INTEGER))
    .option('--no-wait', 'return once the rollback is queued');
  withIdempotencyKey(rollback).action(
    action(async (name: string, opts: RollbackOptions) => {
      const client = clientFor(environment, opts);
      const d = await submitOnce(client, (key) => client.rollback(name, opts.to, key), {
        app: name,
        idempotencyKey: opts.idempotencyKey,
        json: opts.json === true,
      });
      return finishDeployment(client, d, { wait: opts.wait, json: opts.json === true });
    }),
  );
}
