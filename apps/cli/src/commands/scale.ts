import type { Command } from 'commander';
import { formatLimits } from '@berth/protocol';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import { finishDeployment } from '../cli/deployment-result.js';
import { limitsInput, withLimitOptions, type LimitOptions } from '../cli/limits.js';
import { CliError, printJson } from '../cli/output.js';
import { parseIntArg } from '../cli/parse.js';
import { EXIT } from '../cli/exit-codes.js';
import { submitOnce, withIdempotencyKey } from '../cli/submit.js';
import type { CliEnvironment } from '../cli/environment.js';

type ScaleOptions = CommonOptions &
  LimitOptions & { replicas?: number; wait: boolean; idempotencyKey?: string };

export function registerScale(program: Command, environment: CliEnvironment): void {
  const scale = withCommon(program.command('scale <app>'));
  withLimitOptions(scale, '(new limits roll out as a new release)')
    .description(
      'change the number of replicas and/or what each may use; new replicas pass their health check before serving',
    )
    .option('--replicas <n>', 'how many replicas', parseIntArg(0, 64))
    .option('--no-wait', 'return once the change is queued');
  withIdempotencyKey(scale).action(
    action(async (name: string, opts: ScaleOptions) => {
      const limits = limitsInput(opts);
      if (opts.replicas === undefined && !limits)
        throw new CliError(
          'give --replicas, or --cpu, --memory or --pids',
          EXIT.userError,
          `e.g. berth scale ${name} --replicas 2, or berth scale ${name} --cpu 0.5 --memory 256M`,
        );
      const client = clientFor(environment, opts);
      const request = {
        ...(opts.replicas !== undefined && { replicas: opts.replicas }),
        ...(limits && { limits }),
      };
      const result = await submitOnce(client, (key) => client.scale(name, request, key), {
        app: name,
        idempotencyKey: opts.idempotencyKey,
        json: opts.json === true,
      });
      if (result.deployment)
        return finishDeployment(client, result.deployment, { wait: opts.wait, json: opts.json === true });
      if (opts.json) return printJson({ ...result, deployment: null });
      process.stdout.write(
        `${name} will run ${result.replicas} replica(s) with ${formatLimits(result.limits)} from its first deploy\n`,
      );
    }),
  );
}
