import type { Command } from 'commander';
import { withCommon, action, type CommonOptions } from '../cli/command.js';
import { resolveConnection } from '../cli/connection.js';
import type { CliEnvironment } from '../cli/environment.js';
import { runExecSession, type ExecInputSink, type ExecIo } from '../cli/exec-session.js';
import { EXIT } from '../cli/exit-codes.js';
import { parseIntArg } from '../cli/parse.js';
import { printJson } from '../cli/output.js';

export type ExecOptions = CommonOptions & { replica?: number };

export function registerExec(program: Command, environment: CliEnvironment): void {
  withCommon(program.command('exec <app> [cmd...]'))
    .description(
      'run a command in a running replica (default: an interactive /bin/sh); exits with its exit code',
    )
    .option(
      '--replica <n>',
      'the replica (its slot: 1, 2, …); default the lowest running',
      parseIntArg(1, 64),
    )
    .addHelpText(
      'after',
      '\nPut -- before a command that has flags of its own: berth exec web -- ls -la /app\n' +
        'With stdin and stdout a terminal the session is interactive (a TTY); otherwise stdin is piped to the command.',
    )
    .action(
      action(async (app: string, cmd: string[], opts: ExecOptions) =>
        runExecCommand(environment, opts, app, cmd.length > 0 ? cmd : null),
      ),
    );
}

/**
 * `berth exec` and `berth db shell`: a command in a running replica, on a terminal interactive,
 * else with stdin piped; with --json its output captured. Returns the command's exit code.
 */
export async function runExecCommand(
  environment: CliEnvironment,
  opts: ExecOptions,
  app: string,
  cmd: string[] | null,
): Promise<number> {
  const json = opts.json === true;
  const interactive = !json && process.stdin.isTTY && process.stdout.isTTY;
  const captured = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  const io: ExecIo = {
    output(stream, data) {
      if (json) captured[stream].push(Buffer.from(data));
      else (stream === 'stdout' ? process.stdout : process.stderr).write(data);
    },
    attach: (input) => (interactive ? attachTerminal(input) : attachPipe(input, json)),
  };
  const outcome = await runExecSession(
    resolveConnection(opts, environment),
    {
      app,
      cmd,
      replica: opts.replica,
      tty: interactive,
      size: interactive ? terminalSize() : null,
    },
    io,
  );
  if (json) {
    printJson({
      replica: outcome.replica,
      exitCode: outcome.exitCode,
      stdout: Buffer.concat(captured.stdout).toString('utf8'),
      stderr: Buffer.concat(captured.stderr).toString('utf8'),
    });
  }
  if (outcome.exitCode === null) {
    process.stderr.write('error: the engine did not report the command’s exit code\n');
    return EXIT.internal;
  }
  return outcome.exitCode;
}

const terminalSize = (): { cols: number; rows: number } => ({
  cols: process.stdout.columns || 80,
  rows: process.stdout.rows || 24,
});

/** A terminal: raw keys go through (Ctrl-C reaches the command), and so does every resize. */
function attachTerminal(input: ExecInputSink): () => void {
  const stdin = process.stdin;
  stdin.setRawMode(true);
  const onData = (chunk: Buffer): void => void input.data(chunk);
  const onResize = (): void => {
    const { cols, rows } = terminalSize();
    input.resize(cols, rows);
  };
  stdin.on('data', onData);
  process.stdout.on('resize', onResize);
  stdin.resume();
  return () => {
    stdin.off('data', onData);
    process.stdout.off('resize', onResize);
    stdin.setRawMode(false);
    stdin.destroy();
  };
}

/**
 * Plain pipes: stdin goes to the command chunk by chunk, then its end. A terminal on stdin
 * with --json sends nothing (a script captures output; it does not type).
 */
function attachPipe(input: ExecInputSink, json: boolean): () => void {
  const stdin = process.stdin;
  if (json && stdin.isTTY) {
    input.eof();
    return () => undefined;
  }
  const onData = (chunk: Buffer): void => {
    stdin.pause();
    void input.data(chunk).then(() => stdin.resume());
  };
  const onEnd = (): void => input.eof();
  stdin.on('data', onData);
  stdin.once('end', onEnd);
  stdin.resume();
  return () => {
    stdin.off('data', onData);
    stdin.off('end', onEnd);
    stdin.destroy();
  };
}
