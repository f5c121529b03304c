import type { Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import type { CliEnvironment } from '../cli/environment.js';
import { printJson, printTable } from '../cli/output.js';

export function registerKeys(program: Command, environment: CliEnvironment): void {
  const keys = program
    .command('keys')
    .description('master keys that encrypt secrets (owners of the default team)');

  withCommon(keys.command('list'))
    .alias('ls')
    .description('master key ids, which is current, and how many values each still seals')
    .action(
      action(async (opts: CommonOptions) => {
        const list = await clientFor(environment, opts).listKeys();
        if (opts.json) return printJson(list);
        printTable(
          list.keys.map((k) => [k.id, k.current ? 'current' : '', String(k.inUse), k.createdAt ?? '-']),
          ['KEY', '', 'IN USE', 'CREATED'],
        );
        if (list.fromEnvironment) process.stdout.write('(the key comes from BERTH_MASTER_KEY)\n');
      }),
    );

  withCommon(keys.command('rotate'))
    .description('make a new master key current and re-encrypt every secret under it')
    .action(
      action(async (opts: CommonOptions) => {
        const r = await clientFor(environment, opts).rotateKeys();
        if (opts.json) return printJson(r);
        process.stdout.write(
          `New key ${r.current}; ${r.resealed} value(s) re-encrypted. Retire the old one with:\n  berth keys retire ${r.previous}\n`,
        );
      }),
    );

  withCommon(keys.command('retire <id>'))
    .description('remove an old master key that seals nothing any more')
    .action(
      action(async (id: string, opts: CommonOptions) => {
        await clientFor(environment, opts).retireKey(id);
        if (opts.json) return printJson({ retired: id });
        process.stdout.write(`Retired ${id}\n`);
      }),
    );
}
