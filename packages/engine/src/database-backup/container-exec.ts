/**
 * Running a database tool in a container through the engine's exec API: argv only, never a
 * shell, the tool reading the container's own environment (PGHOST/PGUSER, REDISCLI_AUTH) and
 * root's socket login (MariaDB), so no credential is ever on a command line.
 */
import { Readable } from 'node:stream';
import { BerthError } from '@berth/protocol';
import type { ContainerEngine, ExecSession } from '../container/types.js';

export type ExecEngine = Pick<ContainerEngine, 'exec'>;

/** Keeps the first `limit` characters of a tool's stderr: enough to say why, never unbounded. */
const STDERR_LIMIT = 8192;
const STDOUT_LIMIT = 4 * 1024 * 1024;

export interface ToolOutput {
  code: number | null;
  stdout: string;
  stderr: string;
}

const describeCmd = (cmd: readonly string[]): string => cmd.slice(0, 2).join(' ');

async function feed(
  session: ExecSession,
  input: AsyncIterable<Uint8Array> | string | undefined,
): Promise<void> {
  try {
    if (typeof input === 'string') await session.write(Buffer.from(input));
    else if (input !== undefined)
      for await (const chunk of input)
        await session.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  } finally {
    session.closeInput();
  }
}

/** Runs `cmd` to its end with `input` on its stdin; its output is collected (bounded). */
export async function runTool(
  engine: ExecEngine,
  containerId: string,
  cmd: readonly string[],
  input?: AsyncIterable<Uint8Array> | string,
): Promise<ToolOutput> {
  const session = await engine.exec(containerId, { cmd, tty: false, size: null });
  // The input failing (a backup that does not decrypt) is the reason, whatever the tool then says.
  const fed: { error: Error | null } = { error: null };
  const feeding = feed(session, input).catch((e: unknown) => {
    fed.error = e instanceof Error ? e : new Error(String(e));
  });
  // Bytes are kept whole and decoded at the end: a chunk can end inside a UTF-8 character.
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  let stdoutBytes = 0;
  let stderrBytes = 0;
  try {
    for await (const { stream, data } of session.output) {
      if (stream === 'stdout' && stdoutBytes < STDOUT_LIMIT) {
        stdout.push(data);
        stdoutBytes += data.length;
      }
      if (stream === 'stderr' && stderrBytes < STDERR_LIMIT) {
        stderr.push(data);
        stderrBytes += data.length;
      }
    }
    await feeding;
    if (fed.error !== null) throw fed.error;
    return {
      code: await session.exitCode(),
      stdout: Buffer.concat(stdout).toString('utf8'),
      stderr: Buffer.concat(stderr).toString('utf8').slice(0, STDERR_LIMIT),
    };
  } finally {
    await session.close().catch(() => undefined);
  }
}

/** runTool, failing with `code` and the tool's own stderr when it does not exit 0. */
export async function runToolOrFail(
  engine: ExecEngine,
  containerId: string,
  cmd: readonly string[],
  code: 'BACKUP_VERIFY_FAILED' | 'BACKUP_DUMP_FAILED' | 'BACKUP_RESTORE_FAILED',
  input?: AsyncIterable<Uint8Array> | string,
): Promise<ToolOutput> {
  const out = await runTool(engine, containerId, cmd, input);
  if (out.code !== 0)
    throw new BerthError(
      code,
      `${describeCmd(cmd)} failed (exit ${out.code ?? 'unknown'}): ${out.stderr.trim() || out.stdout.trim().slice(-2000) || 'no output'}`,
    );
  return out;
}

export interface ToolStream {
  /** The tool's stdout as it comes; fails when the tool exits non-zero. */
  stream: Readable;
  /** Settles once the stream has ended: the tool's stderr. */
  done: Promise<{ stderr: string }>;
}

/** Streams a tool's stdout (a dump): backpressure reaches the tool through the exec connection. */
export async function streamTool(
  engine: ExecEngine,
  containerId: string,
  cmd: readonly string[],
): Promise<ToolStream> {
  const session = await engine.exec(containerId, { cmd, tty: false, size: null });
  session.closeInput();
  let stderr = '';
  let settle: { resolve: (v: { stderr: string }) => void; reject: (e: unknown) => void } | null = null;
  const done = new Promise<{ stderr: string }>((resolve, reject) => {
    settle = { resolve, reject };
  });
  done.catch(() => undefined);
  async function* stdout(): AsyncGenerator<Buffer> {
    try {
      for await (const { stream, data } of session.output) {
        if (stream === 'stdout') yield data;
        else if (stderr.length < STDERR_LIMIT) stderr += data.toString('utf8');
      }
      const code = await session.exitCode();
      if (code !== 0)
        throw new BerthError(
          'BACKUP_DUMP_FAILED',
          `${describeCmd(cmd)} failed (exit ${code ?? 'unknown'}): ${stderr.trim() || 'no output'}`,
        );
      settle?.resolve({ stderr: stderr.slice(0, STDERR_LIMIT) });
    } catch (e) {
      settle?.reject(e);
      throw e;
    } finally {
      await session.close().catch(() => undefined);
    }
  }
  return { stream: Readable.from(stdout(), { objectMode: false }), done };
}
