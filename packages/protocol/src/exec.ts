import { z } from 'zod';
import { Command, Id } from './names.js';

/**
 * `berth exec APP [--replica N] [-- CMD…]`: a command in a running replica, streamed both ways
 * over a WebSocket (`GET /api/v1/apps/{app}/exec`, upgraded). What the client says is in the
 * query (checked before the upgrade); then
 * - client → berthd: binary frames are stdin; text frames are ExecClientMessage (stdin's end, a
 *   terminal's new size);
 * - berthd → client: binary frames are output, the first byte naming the stream (1 stdout,
 *   2 stderr); text frames are ExecServerMessage (started, exit, error).
 */

/** Without a command: an interactive shell. */
export const DEFAULT_EXEC_COMMAND = ['/bin/sh'] as const;

/** One argument of the command: what the agent's Command takes, checked before the upgrade. */
const ExecArg = z
  .string()
  .min(1)
  .max(4096)
  .refine((s) => !s.includes('\0'), { message: 'must not contain NUL characters' });

const Flag = z.enum(['true', 'false', '1', '0']);
const TerminalSize = z.coerce.number().int().min(1).max(1000);

export const ExecQuery = z
  .object({
    /** The replica's slot (1, 2, …); default the lowest one running. */
    replica: z.coerce.number().int().min(1).max(64).optional(),
    /** argv, one `cmd=` per argument, in order. */
    cmd: z.union([ExecArg, z.array(ExecArg).min(1).max(64)]).optional(),
    tty: Flag.optional(),
    cols: TerminalSize.optional(),
    rows: TerminalSize.optional(),
  })
  .strict();
export type ExecQuery = z.infer<typeof ExecQuery>;

export const ExecClientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('eof') }).strict(),
  z
    .object({
      type: z.literal('resize'),
      cols: z.number().int().min(1).max(1000),
      rows: z.number().int().min(1).max(1000),
    })
    .strict(),
]);
export type ExecClientMessage = z.infer<typeof ExecClientMessage>;

export const ExecServerMessage = z.discriminatedUnion('type', [
  /** The command runs in this replica (a container name). */
  z.object({ type: z.literal('started'), replica: z.string() }),
  /** It ended with this exit code (null: the engine could not say). */
  z.object({ type: z.literal('exit'), code: z.number().int().nullable() }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string(), hint: z.string().optional() }),
]);
export type ExecServerMessage = z.infer<typeof ExecServerMessage>;

export type ExecStream = 'stdout' | 'stderr';
const STREAM_BYTE: Readonly<Record<ExecStream, number>> = { stdout: 1, stderr: 2 };

/** An output frame for the client: the stream's byte, then the data. */
export function toOutputFrame(stream: ExecStream, data: Uint8Array): Uint8Array {
  const frame = new Uint8Array(data.length + 1);
  frame[0] = STREAM_BYTE[stream];
  frame.set(data, 1);
  return frame;
}

/** Reads an output frame; null when it is not one. */
export function parseOutputFrame(frame: Uint8Array): { stream: ExecStream; data: Uint8Array } | null {
  const stream = frame[0] === 1 ? 'stdout' : frame[0] === 2 ? 'stderr' : null;
  return stream ? { stream, data: frame.subarray(1) } : null;
}

/** What berthd asks the agent: a command in a replica of an app. */
export const ExecParams = z.object({
  appId: Id,
  /** A slot; null: the lowest one running. */
  replica: z.number().int().min(1).max(64).nullable(),
  cmd: Command,
  tty: z.boolean(),
  size: z.object({ cols: z.number().int().min(1), rows: z.number().int().min(1) }).nullable(),
});
export type ExecParams = z.infer<typeof ExecParams>;

/** The agent's side of a session, as it happens (rpc.exec); it ends with rpc.result ExecResult. */
export const ExecEvent = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('started'), replica: z.string() }),
  /** Data is base64. */
  z.object({ kind: z.literal('output'), stream: z.enum(['stdout', 'stderr']), data: z.string() }),
]);
export type ExecEvent = z.infer<typeof ExecEvent>;

/** berthd's side: stdin (base64), its end, a new terminal size (rpc.input). */
export const ExecInput = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('data'), data: z.string() }),
  z.object({ kind: z.literal('eof') }),
  z.object({ kind: z.literal('resize'), cols: z.number().int().min(1), rows: z.number().int().min(1) }),
]);
export type ExecInput = z.infer<typeof ExecInput>;

export const ExecResult = z.object({ replica: z.string(), exitCode: z.number().int().nullable() });
export type ExecResult = z.infer<typeof ExecResult>;
