import type { AppUpdate, DeployStrategy } from '@berth/protocol';
import { strategyArg } from '../../cli/volume-options.js';
import type { Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../../cli/command.js';
import { EXIT } from '../../cli/exit-codes.js';
import { CliError, printJson } from '../../cli/output.js';
import { collect, parseIntArg } from '../../cli/parse.js';
import type { CliEnvironment } from '../../cli/environment.js';
import { healthInput, withHealthOptions, type HealthOptions } from './health-options.js';
import { printWarnings } from './warnings.js';

interface UpdateOptions extends CommonOptions, HealthOptions {
  image?: string;
  port?: number;
  constraint?: string[];
  clearConstraints?: boolean;
  strategy?: DeployStrategy;
}

export function registerAppsUpdate(apps: Command, environment: CliEnvironment): void {
  const update = withCommon(apps.command('update <name>'))
    .description(
      "change an app's image, port, health check, placement constraints or deploy strategy; the next deploy uses them",
    )
    .option('--image <ref>', 'image reference for the next deploy')
    .option('--port <n>', 'port the app listens on inside the container', parseIntArg(1, 65535))
    .option(
      '--constraint <key=value>',
      'replace the placement constraints on server labels, e.g. zone=b or role!=build (repeatable)',
      collect,
    )
    .option('--clear-constraints', 'let replicas run on any server again')
    .option(
      '--strategy <rolling|recreate>',
      'how the next releases replace the old: rolling (new starts, then old stops) or recreate (old stops first: single writers)',
      strategyArg,
    );
  withHealthOptions(update).action(
    action(async (name: string, opts: UpdateOptions) => {
      const health = healthInput(opts);
      const patch: AppUpdate = {
        ...(opts.image !== undefined && { image: opts.image }),
        ...(opts.port !== undefined && { port: opts.port }),
        ...(health && { health }),
        ...(opts.clearConstraints && { constraints: [] }),
        ...(opts.constraint && { constraints: opts.constraint }),
        ...(opts.strategy && { strategy: opts.strategy }),
      };
      if (Object.keys(patch).length === 0)
        throw new CliError('Nothing to change', EXIT.userError, `See: berth apps update --help`);
      const app = await clientFor(environment, opts).updateApp(name, patch);
      if (opts.json) return printJson(app);
      process.stdout.write(`Updated ${app.name}; roll it out with: berth deploy ${app.name}\n`);
      printWarnings(app.warnings);
    }),
  );
}
