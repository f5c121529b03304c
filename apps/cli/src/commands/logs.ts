import type { Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import { followBuildLog } from '../cli/build-log.js';
import { EXIT } from '../cli/exit-codes.js';
import { CliError } from '../cli/output.js';
import { parseIntArg } from '../cli/parse.js';
import type { CliEnvironment } from '../cli/environment.js';

export function registerLogs(program: Command, environment: CliEnvironment): void {
  withCommon(program.command('logs <app>'))
    .description('stdout/stderr of every replica, prefixed with the replica and a timestamp')
    .option('-f, --follow', 'keep streaming new lines (including replicas that start later)')
    .option('--tail <n>', 'lines of history per replica (default 100)', parseIntArg(0, 10_000), 100)
    .option('--build [number]', "a build's log instead (default: the newest build)")
    .option(
      '--no-health',
      "leave out the requests of Berth's own health probes: lines with their User-Agent (berth-health/1), and with --follow the lines a replica writes while a probe of it runs",
    )
    .action(
      action(
        async (
          name: string,
          opts: CommonOptions & { follow?: boolean; tail: number; build?: string | true; health: boolean },
        ) => {
          const stop = new AbortController();
          process.once('SIGINT', () => stop.abort());
          if (opts.build !== undefined)
            return buildLog(clientFor(environment, opts), name, opts.build, opts, stop.signal);
          try {
            for await (const l of clientFor(environment, opts).logs(name, {
              follow: opts.follow === true,
              tail: opts.tail,
              signal: stop.signal,
              health: opts.health,
            })) {
              if (opts.json) process.stdout.write(`${JSON.stringify(l)}\n`);
              else
                process.stdout.write(
                  `${l.replica} | ${l.at} ${l.stream === 'stderr' ? '!' : ' '} ${l.line}\n`,
                );
            }
          } catch (err) {
            // Ctrl-C ends a follow: that is success, not an error.
            if (!stop.signal.aborted) throw err;
          }
          if (opts.follow === true && !stop.signal.aborted) {
            // Only berthd ends a follow: it restarted, or dropped this reader for falling behind.
            throw new CliError(
              'berthd ended the log stream',
              EXIT.unreachable,
              `Follow again: berth logs ${name} --follow`,
            );
          }
        },
      ),
    );
}

async function buildLog(
  client: ReturnType<typeof clientFor>,
  name: string,
  build: string | true,
  opts: CommonOptions & { follow?: boolean },
  signal: AbortSignal,
): Promise<number> {
  const number =
    build === true ? (await client.listBuilds(name))[0]?.number : parseIntArg(1, 1_000_000_000)(build);
  if (number === undefined) throw new CliError(`${name} has no builds yet`, EXIT.userError);
  const end = await followBuildLog(client, name, number, {
    json: opts.json === true,
    follow: opts.follow === true,
    signal,
  });
  if (end && !opts.json && end.status !== 'running' && end.status !== 'queued') {
    process.stdout.write(`Build #${end.number} ${end.status}${end.error ? `: ${end.error.message}` : ''}\n`);
  }
  return end?.status === 'failed' ? EXIT.deployFailed : EXIT.ok;
}
