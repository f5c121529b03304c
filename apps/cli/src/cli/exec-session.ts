import type { IncomingMessage } from 'node:http';
import { ApiError } from '@berth/client';
import {
  BerthError,
  ExecServerMessage,
  isErrorCode,
  parseOutputFrame,
  Problem,
  type ExecStream,
  parseJsonOrNull,
} from '@berth/protocol';
import WebSocket, { type RawData } from 'ws';
import type { Connection } from './connection.js';
import { execTlsOptions } from './exec-tls.js';
import { EXIT } from './exit-codes.js';
import { CliError } from './output.js';

/**
 * The CLI's side of `berth exec`: one WebSocket to berthd (the frames are described in
 * @berth/protocol's exec.ts). A refusal before the upgrade is problem+json, reported like any
 * API error; once it runs, the session ends with the command's exit code.
 */

export interface ExecRequest {
  app: string;
  cmd: readonly string[] | null;
  replica: number | undefined;
  tty: boolean;
  size: { cols: number; rows: number } | null;
}

/** What the caller does with the session: write output, and feed input once it is open. */
export interface ExecIo {
  output(stream: ExecStream, data: Uint8Array): void;
  /** Called once, when the connection is open; returns what to undo when the session ends. */
  attach(input: ExecInputSink): () => void;
}

export interface ExecInputSink {
  /** Resolves when the bytes are on their way, so a fast stdin waits for the network. */
  data(bytes: Uint8Array): Promise<void>;
  eof(): void;
  resize(cols: number, rows: number): void;
}

export interface ExecOutcome {
  replica: string;
  exitCode: number | null;
}

export function execUrl(conn: Connection, r: ExecRequest): string {
  const base = conn.url.replace(/\/+$/, '').replace(/^http/, 'ws');
  const q = new URLSearchParams();
  for (const arg of r.cmd ?? []) q.append('cmd', arg);
  if (r.replica !== undefined) q.set('replica', String(r.replica));
  if (r.tty) q.set('tty', 'true');
  if (r.size) {
    q.set('cols', String(r.size.cols));
    q.set('rows', String(r.size.rows));
  }
  return `${base}/api/v1/apps/${encodeURIComponent(r.app)}/exec?${q.toString()}`;
}

export async function runExecSession(conn: Connection, r: ExecRequest, io: ExecIo): Promise<ExecOutcome> {
  const tls = await execTlsOptions(conn);
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(execUrl(conn, r), {
      headers: conn.token ? { authorization: `Bearer ${conn.token}` } : {},
      perMessageDeflate: false,
      ...tls,
    });
    let opened = false;
    /** berthd answered instead of upgrading: its problem+json is the outcome, nothing else. */
    let refused = false;
    let replica: string | null = null;
    let exitCode: number | null | undefined;
    let failure: Error | null = null;
    let detach: () => void = () => undefined;

    ws.on('unexpected-response', (_req, res) => {
      refused = true;
      void problemOf(res)
        .then(reject, reject)
        .finally(() => ws.terminate());
    });
    ws.on('error', (err) => {
      if (refused) return;
      if (opened) failure ??= err;
      else reject(unreachable(conn.url, err));
    });
    ws.on('open', () => {
      opened = true;
      detach = io.attach({
        data: (bytes) =>
          new Promise((done) =>
            ws.readyState === ws.OPEN ? ws.send(bytes, { binary: true }, () => done()) : done(),
          ),
        eof: () => send(ws, { type: 'eof' }),
        resize: (cols, rows) => send(ws, { type: 'resize', cols, rows }),
      });
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const bytes = toBuffer(data);
      if (isBinary) {
        const frame = parseOutputFrame(bytes);
        if (frame) io.output(frame.stream, frame.data);
        return;
      }
      const msg = ExecServerMessage.safeParse(parseJsonOrNull(bytes.toString('utf8')));
      if (!msg.success) return;
      const m = msg.data;
      if (m.type === 'started') replica = m.replica;
      else if (m.type === 'exit') exitCode = m.code;
      else failure = sessionError(m.code, m.message, m.hint);
    });
    ws.on('close', () => {
      detach();
      if (!opened || refused) return;
      if (failure) reject(failure);
      else if (exitCode !== undefined && replica) resolve({ replica, exitCode });
      else
        reject(
          new CliError(
            'The exec session ended before the command did (berthd or its agent went away)',
            EXIT.internal,
            `Run it again; \`berth apps show ${r.app}\` shows whether the app is running`,
          ),
        );
    });
  });
}

const send = (
  ws: WebSocket,
  message: { type: 'eof' } | { type: 'resize'; cols: number; rows: number },
): void => {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
};

function sessionError(code: string, message: string, hint: string | undefined): Error {
  if (!isErrorCode(code)) return new CliError(message, EXIT.internal, hint);
  return new BerthError(code, message, hint ? { hint } : {});
}

async function problemOf(res: IncomingMessage): Promise<ApiError> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  const parsed = Problem.partial().safeParse(parseJsonOrNull(text));
  const p = parsed.success ? parsed.data : {};
  const status = res.statusCode ?? 0;
  return new ApiError(
    status,
    isErrorCode(p.code) ? p.code : 'INTERNAL',
    p.detail ?? `HTTP ${status}: ${text.slice(0, 200)}`,
    p.hint,
    p.errors ?? [],
    p.requestId,
  );
}

function unreachable(url: string, err: Error): ApiError {
  return new ApiError(
    0,
    'UNREACHABLE',
    `Cannot reach berthd at ${url} (${err.message})`,
    'Is `berth up` running? Check BERTH_URL or --url',
    [],
    undefined,
  );
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
