import type { Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import { finishDeployment } from '../cli/deployment-result.js';
import type { CliEnvironment } from '../cli/environment.js';

interface DeployOptions extends CommonOptions {
  image?: string;
  wait: boolean;
  idempotencyKey?: string;
}

export function registerDeploy(program: Command, environment: CliEnvironment): void {
  withCommon(program.command('deploy <app>'))
    .description(
      'make a new release and roll it out, one replica at a time; exits 0 once it is live, 2 if it failed',
    )
    .option('--image <ref>', "deploy this image (and keep it as the app's image)")
    .option('--no-wait', 'return once the deployment is queued')
    .option(
      '--idempotency-key <key>',
      'retrying with the same key returns the first deployment instead of making another',
    )
    .action(
      action(async (name: string, opts: DeployOptions) => {
        const client = clientFor(environment, opts);
        const d = await client.deploy(name, opts.image, opts.idempotencyKey);
        const app = opts.json || !opts.wait ? null : await client.getApp(name);
        return finishDeployment(client, d, {
          wait: opts.wait,
          json: opts.json === true,
          ...(app && { appUrl: app.url }),
        });
      }),
    );
}
