import type { Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import { parseIntArg } from '../cli/parse.js';
import type { CliEnvironment } from '../cli/environment.js';

export function registerLogs(program: Command, environment: CliEnvironment): void {
  withCommon(program.command('logs <app>'))
    .description('stdout/stderr of every replica, prefixed with the replica and a timestamp')
    .option('-f, --follow', 'keep streaming new lines (including replicas that start later)')
    .option('--tail <n>', 'lines of history per replica (default 100)', parseIntArg(0, 10_000), 100)
    .action(
      action(async (name: string, opts: CommonOptions & { follow?: boolean; tail: number }) => {
        const stop = new AbortController();
        process.once('SIGINT', () => stop.abort());
        try {
          for await (const l of clientFor(environment, opts).logs(name, {
            follow: opts.follow === true,
            tail: opts.tail,
            signal: stop.signal,
          })) {
            if (opts.json) process.stdout.write(`${JSON.stringify(l)}\n`);
            else
              process.stdout.write(`${l.replica} | ${l.at} ${l.stream === 'stderr' ? '!' : ' '} ${l.line}\n`);
          }
        } catch (err) {
          // Ctrl-C ends a follow: that is success, not an error.
          if (!stop.signal.aborted) throw err;
        }
      }),
    );
}
