/**
 * Running the harness's own commands (ip, nft, podman, runc): argument arrays, never a shell
 * with anything from outside, and a timeout on each so a wedged tool fails the test instead of
 * hanging it.
 */
import { execFile } from 'node:child_process';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  timeoutMs?: number;
  /** Added to the inherited environment. */
  env?: Readonly<Record<string, string>>;
  /** Written to stdin, which is then closed (closed at once when absent). */
  input?: string;
  cwd?: string;
}

/** Runs `file args` and resolves with its exit code and output; never rejects for a non-zero exit. */
export function runCommand(
  file: string,
  args: readonly string[],
  options: CommandOptions = {},
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      {
        timeout: options.timeoutMs ?? 30_000,
        maxBuffer: 16 * 1024 * 1024,
        env: { ...process.env, ...options.env },
        cwd: options.cwd,
      },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
        const why = err !== null && typeof err.code !== 'number' ? `${err.message}\n` : '';
        resolve({ code, stdout, stderr: why + stderr });
      },
    );
    // A command that exits before reading its input must not fail the caller with EPIPE.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input ?? '');
  });
}

/** Like runCommand, but a non-zero exit rejects with the command and what it printed. */
export async function mustRun(
  file: string,
  args: readonly string[],
  options: CommandOptions = {},
): Promise<string> {
  const r = await runCommand(file, args, options);
  if (r.code !== 0) {
    throw new Error(`${file} ${args.join(' ')} exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  }
  return r.stdout;
}
