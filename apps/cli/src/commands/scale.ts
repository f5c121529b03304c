import type { Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import { finishDeployment } from '../cli/deployment-result.js';
import { printJson } from '../cli/output.js';
import { parseIntArg } from '../cli/parse.js';
import type { CliEnvironment } from '../cli/environment.js';

export function registerScale(program: Command, environment: CliEnvironment): void {
  withCommon(program.command('scale <app>'))
    .description('change the number of replicas; new ones pass their health check before serving')
    .requiredOption('--replicas <n>', 'how many replicas', parseIntArg(0, 64))
    .option('--no-wait', 'return once the change is queued')
    .action(
      action(async (name: string, opts: CommonOptions & { replicas: number; wait: boolean }) => {
        const client = clientFor(environment, opts);
        const { deployment } = await client.scale(name, opts.replicas);
        if (deployment)
          return finishDeployment(client, deployment, { wait: opts.wait, json: opts.json === true });
        if (opts.json) printJson({ replicas: opts.replicas, deployment: null });
        else process.stdout.write(`${name} will run ${opts.replicas} replica(s) from its first deploy\n`);
      }),
    );
}
