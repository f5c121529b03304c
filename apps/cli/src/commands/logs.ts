import { LOG_TAIL_MAX } from '@berth/protocol';
import type { Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import { followBuildLog } from '../cli/build-log.js';
import { EXIT } from '../cli/exit-codes.js';
import { CliError } from '../cli/output.js';
import { parseIntArg } from '../cli/parse.js';
import type { CliEnvironment } from '../cli/environment.js';

type LogsOptions = CommonOptions & {
  follow?: boolean;
  tail?: number;
  since?: string;
  grep?: string;
  build?: string | true;
  /** false with --no-health. */
  health: boolean;
};

export function registerLogs(program: Command, environment: CliEnvironment): void {
  withCommon(program.command('logs <app>'))
    .description('stdout/stderr of every replica, prefixed with the replica and a timestamp')
    .option('-f, --follow', 'keep streaming new lines (including replicas that start later)')
    .option(
      '--tail <n>',
      'lines of history per replica (default: 100, or 10000 with --since or --grep)',
      parseIntArg(0, LOG_TAIL_MAX),
    )
    .option('--since <when>', 'only lines since then: a duration back (90s, 10m, 2h, 7d) or an RFC 3339 time')
    .option(
      '--grep <pattern>',
      'only lines that match this regular expression (RE2 syntax: no backreferences or lookaround; (?i) ignores case)',
    )
    .option('--build [number]', "a build's log instead (default: the newest build)")
    .option(
      '--no-health',
      "leave out the requests of Berth's own health probes: lines with their User-Agent (berth-health/1), and with --follow the lines a replica writes while a probe of it runs",
    )
    .action(
      action(async (name: string, opts: LogsOptions) => {
        const stop = new AbortController();
        process.once('SIGINT', () => stop.abort());
        if (opts.build !== undefined) {
          if (opts.since !== undefined || opts.grep !== undefined)
            throw new CliError('--since and --grep filter app logs, not build logs', EXIT.userError);
          return buildLog(clientFor(environment, opts), name, opts.build, opts, stop.signal);
        }
        try {
          for await (const l of clientFor(environment, opts).logs(name, {
            follow: opts.follow === true,
            ...(opts.tail !== undefined && { tail: opts.tail }),
            ...(opts.since !== undefined && { since: opts.since }),
            ...(opts.grep !== undefined && { grep: opts.grep }),
            ...(opts.health === false && { health: false }),
            signal: stop.signal,
          })) {
            if (opts.json) process.stdout.write(`${JSON.stringify(l)}\n`);
            // Berth's own word about the stream goes to stderr: piping the app's lines stays clean.
            else if (l.stream === 'berth') process.stderr.write(`berth: ${l.line}\n`);
            else
              process.stdout.write(`${l.replica} | ${l.at} ${l.stream === 'stderr' ? '!' : ' '} ${l.line}\n`);
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
      }),
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
