import { formatDuration } from '@berth/core';
import type { Build } from '@berth/protocol';
import type { Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import type { CliEnvironment } from '../cli/environment.js';
import { EXIT } from '../cli/exit-codes.js';
import { CliError, printJson, printTable } from '../cli/output.js';
import { parseIntArg } from '../cli/parse.js';

export function registerBuilds(program: Command, environment: CliEnvironment): void {
  const builds = withCommon(program.command('builds <app>'))
    .description("an app's builds, newest first: commit, builder, duration, status")
    .action(
      action(async (name: string, opts: CommonOptions) => {
        const list = await clientFor(environment, opts).listBuilds(name);
        if (opts.json) return printJson(list);
        printTable(
          list.map((b) => [
            `#${b.number}`,
            b.status,
            b.builder ?? '-',
            describeSource(b),
            b.commit?.slice(0, 12) ?? '-',
            b.durationMs === null ? '-' : formatDuration(b.durationMs),
            b.trigger,
            b.createdAt,
          ]),
          ['BUILD', 'STATUS', 'BUILDER', 'SOURCE', 'COMMIT', 'DURATION', 'TRIGGER', 'CREATED'],
        );
      }),
    );

  withCommon(builds.command('cancel <app> [number]'))
    .description(
      'cancel a build (default: the newest one still running); its deployment fails, the current release keeps serving',
    )
    .action(
      action(async (name: string, number: string | undefined, opts: CommonOptions) => {
        const client = clientFor(environment, opts);
        const n =
          number === undefined ? await newestRunning(client, name) : parseIntArg(1, 1_000_000_000)(number);
        const b = await client.cancelBuild(name, n);
        if (opts.json) return printJson(b);
        process.stdout.write(`Cancelling build #${b.number} of ${name}\n`);
      }),
    );
}

async function newestRunning(client: ReturnType<typeof clientFor>, name: string): Promise<number> {
  const b = (await client.listBuilds(name)).find((x) => x.status === 'queued' || x.status === 'running');
  if (!b)
    throw new CliError(
      `${name} has no build running`,
      EXIT.userError,
      `List builds with: berth builds ${name}`,
    );
  return b.number;
}

function describeSource(b: Build): string {
  if (b.source.type === 'archive') return `upload (${Math.ceil(b.source.bytes / 1024)} KiB)`;
  return `${b.source.ref.kind} ${b.source.ref.name}`;
}
