import type { AppCreate, HealthCheckInput } from '@berth/protocol';
import type { Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../../cli/command.js';
import { printJson } from '../../cli/output.js';
import { collect, parseDurationArg, parseEnvPairs, parseIntArg } from '../../cli/parse.js';
import type { CliEnvironment } from '../../cli/environment.js';

interface CreateOptions extends CommonOptions {
  image: string;
  port?: number;
  replicas?: number;
  env?: string[];
  healthType?: 'http' | 'tcp';
  healthPath?: string;
  healthInterval?: number;
  healthTimeout?: number;
  healthProbeTimeout?: number;
  team?: string;
  project?: string;
}

export function registerAppsCreate(apps: Command, environment: CliEnvironment): void {
  withCommon(apps.command('create <name> [command...]'))
    .description(
      "create an app from an image (nothing runs until `berth deploy`); a command after -- replaces the image's",
    )
    .requiredOption('--image <ref>', 'image reference, e.g. localhost/hello:1 or nginx:1.27')
    .option(
      '--port <n>',
      'port the app listens on inside the container (default 8080)',
      parseIntArg(1, 65535),
    )
    .option('--replicas <n>', 'number of replicas (default 1)', parseIntArg(0, 64))
    .option('--env <KEY=VALUE>', 'environment variable (repeatable)', collect)
    .option('--team <team>', 'the team that owns it (default: yours)')
    .option('--project <project>', "a project of that team (default: the team's default project)")
    .option('--health-type <type>', 'http (default) or tcp')
    .option('--health-path <path>', 'HTTP path that answers 2xx/3xx when healthy (default /)')
    .option(
      '--health-interval <duration>',
      'how often a serving replica is probed (default 1s)',
      parseDurationArg,
    )
    .option(
      '--health-timeout <duration>',
      'how long a new release has to become healthy (default 60s)',
      parseDurationArg,
    )
    .option('--health-probe-timeout <duration>', 'how long one probe may take (default 2s)', parseDurationArg)
    .action(
      action(async (name: string, command: string[], opts: CreateOptions) => {
        const input: AppCreate = {
          name,
          image: opts.image,
          ...(opts.port !== undefined && { port: opts.port }),
          ...(opts.replicas !== undefined && { replicas: opts.replicas }),
          ...(opts.env && { env: parseEnvPairs(opts.env) }),
          ...(command.length > 0 && { command }),
          ...(opts.team && { team: opts.team }),
          ...(opts.project && { project: opts.project }),
        };
        const health = healthInput(opts);
        if (health) input.health = health;
        const app = await clientFor(environment, opts).createApp(input);
        if (opts.json) printJson(app);
        else
          process.stdout.write(
            `Created ${app.name}; deploy it with: berth deploy ${app.name}\nIt will be served at ${app.url}\n`,
          );
      }),
    );
}

function healthInput(opts: CreateOptions): HealthCheckInput | null {
  const h: HealthCheckInput = {
    ...(opts.healthType !== undefined && { type: opts.healthType }),
    ...(opts.healthPath !== undefined && { path: opts.healthPath }),
    ...(opts.healthInterval !== undefined && { intervalMs: opts.healthInterval }),
    ...(opts.healthTimeout !== undefined && { timeoutMs: opts.healthTimeout }),
    ...(opts.healthProbeTimeout !== undefined && { probeTimeoutMs: opts.healthProbeTimeout }),
  };
  return Object.keys(h).length > 0 ? h : null;
}
