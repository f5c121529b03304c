import type { Volume } from '@berth/protocol';
import type { Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import type { CliEnvironment } from '../cli/environment.js';
import { printJson, printTable } from '../cli/output.js';
import { registerVolumeBackups } from './backups.js';

interface CreateOptions extends CommonOptions {
  server?: string;
  team?: string;
}

interface DeleteOptions extends CommonOptions {
  team?: string;
}

export function registerVolumes(program: Command, environment: CliEnvironment): void {
  const volumes = program
    .command('volumes')
    .description("a team's volumes: data on one server that outlives deploys; apps that mount one run there");
  withCommon(volumes.command('create <name>'))
    .description('create a volume (the engine volume is made when the first replica that mounts it starts)')
    .option('--server <name>', 'the server it lives on (default: the local one, else the first that joined)')
    .option('--team <team>', 'the team that owns it (default: yours)')
    .action(
      action(async (name: string, opts: CreateOptions) => {
        const v = await clientFor(environment, opts).createVolume({
          name,
          ...(opts.server && { server: opts.server }),
          ...(opts.team && { team: opts.team }),
        });
        if (opts.json) return printJson(v);
        process.stdout.write(
          `Created volume ${v.name} on ${v.server}; mount it with: berth apps create APP --image REF --volume ${v.name}:/PATH\n`,
        );
      }),
    );
  withCommon(volumes.command('list'))
    .description('name, team, server, engine volume and the apps that mount it')
    .action(
      action(async (opts: CommonOptions) => {
        const list = await clientFor(environment, opts).listVolumes();
        if (opts.json) return printJson({ volumes: list });
        if (list.length === 0) return void process.stdout.write('No volumes\n');
        printTable(list.map(row), ['NAME', 'TEAM', 'SERVER', 'ENGINE VOLUME', 'MOUNTED BY']);
      }),
    );
  withCommon(volumes.command('delete <name>'))
    .description('delete a volume and its data; refused while an app mounts it')
    .option('--team <team>', 'the team that owns it (default: yours)')
    .action(
      action(async (name: string, opts: DeleteOptions) => {
        await clientFor(environment, opts).deleteVolume(name, opts.team);
        if (opts.json) return printJson({ deleted: name });
        process.stdout.write(`Deleted volume ${name} and its data\n`);
      }),
    );
  registerVolumeBackups(volumes, environment);
}

const row = (v: Volume): string[] => [
  v.name,
  v.team,
  v.server,
  v.engineName,
  v.mounts.length === 0 ? '-' : v.mounts.map((m) => `${m.app}:${m.path}`).join(', '),
];
