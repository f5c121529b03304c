import { MAX_RUN_TIMEOUT_S, type RunStreamLine } from '@berth/protocol';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import type { CliEnvironment } from '../cli/environment.js';
import { EXIT } from '../cli/exit-codes.js';
import { CliError } from '../cli/output.js';
import { parseDurationArg } from '../cli/parse.js';

type RunOptions = CommonOptions & { timeout?: number };

/** A run killed at its timeout exits with this, as GNU timeout(1) does. */
export const EXIT_TIMED_OUT = 124;

/** `--timeout 10m` as whole seconds, 1 s to a day. */
export function parseTimeoutArg(value: string): number {
  const seconds = Math.ceil(parseDurationArg(value) / 1000);
  if (seconds < 1 || seconds > MAX_RUN_TIMEOUT_S)
    throw new InvalidArgumentError(`expected a duration from 1s to ${MAX_RUN_TIMEOUT_S / 3600}h`);
  return seconds;
}

/**
 * The CLI's exit code for a run's last line: the command's own exit code; 124 when it was
 * killed at its timeout; EXIT.internal when the engine did not say or the run failed midway.
 */
export function runExitCode(end: RunStreamLine | null): number {
  if (end?.type === 'exit') {
    if (end.timedOut) return EXIT_TIMED_OUT;
    return end.exitCode ?? EXIT.internal;
  }
  return EXIT.internal;
}

export function registerRun(program: Command, environment: CliEnvironment): void {
  withCommon(program.command('run <app> <cmd...>'))
    .description(
      "run a command in a new container of the app's current release (its env, secrets and volumes); exits with the command's exit code",
    )
    .option('--timeout <duration>', 'kill it after this long (default 10m, at most 24h)', parseTimeoutArg)
    .addHelpText(
      'after',
      '\nPut -- before the command: berth run web -- ./manage.py migrate\n' +
        "The command is argv, run as is (no shell): for pipes or ;, run one yourself: berth run web -- sh -c '…'\n" +
        "Exit code: the command's own (0-255); 124 when killed at --timeout; 4 when the engine did not report one or the run broke off;\n" +
        "before the command starts, Berth's own codes (1 bad request, 3 berthd unreachable).",
    )
    .action(
      action(async (app: string, cmd: string[], opts: RunOptions) => {
        const stop = new AbortController();
        process.once('SIGINT', () => stop.abort());
        let end: RunStreamLine | null = null;
        const stream = clientFor(environment, opts).run(
          app,
          { cmd, ...(opts.timeout !== undefined && { timeoutSeconds: opts.timeout }) },
          stop.signal,
        );
        try {
          for await (const l of stream) {
            if (opts.json) process.stdout.write(`${JSON.stringify(l)}\n`);
            else if (l.type === 'line')
              (l.line.stream === 'stderr' ? process.stderr : process.stdout).write(`${l.line.line}\n`);
            else if (l.type === 'started')
              process.stderr.write(`berth: running on ${l.server} (release v${l.release})\n`);
            else if (l.type === 'error') process.stderr.write(`error: ${l.message} (${l.code})\n`);
            else if (l.timedOut) process.stderr.write(`berth: killed at the timeout\n`);
            if (l.type === 'exit' || l.type === 'error') end = l;
          }
        } catch (err) {
          if (!stop.signal.aborted) throw err;
          throw new CliError('Interrupted: the run was killed and its container removed', 130);
        }
        return runExitCode(end);
      }),
    );
}
