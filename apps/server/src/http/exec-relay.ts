import {
  BerthError,
  DEFAULT_EXEC_COMMAND,
  ExecClientMessage,
  toOutputFrame,
  type ExecEvent,
  type ExecParams,
  type ExecQuery,
  type ExecServerMessage,
  parseJsonOrNull,
} from '@berth/protocol';
import type { FastifyRequest } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { scopeApp } from '../access/authorize.js';
import { intentOf } from '../audit/intent.js';
import type { RouteContext } from './context.js';

/**
 * berthd's side of `berth exec`: relays one session between the CLI's WebSocket and the app's
 * agent (the `exec` rpc). The access check and the stream cap ran before the upgrade; the
 * session ends with the command, or when either side goes away — then the agent closes the
 * exec, so the command sees its stdin close and nothing keeps running for a client that left.
 */

/** Output waiting for a client that does not read: past it the client is dropped. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** One stdin frame at most; the CLI sends at most 64 KiB at a time. */
const MAX_INPUT_FRAME_BYTES = 256 * 1024;

export function execParamsOf(appId: string, query: ExecQuery): ExecParams {
  const cmd = query.cmd === undefined ? [...DEFAULT_EXEC_COMMAND] : [query.cmd].flat();
  const size = query.cols && query.rows ? { cols: query.cols, rows: query.rows } : null;
  return {
    appId,
    replica: query.replica ?? null,
    cmd,
    tty: query.tty === 'true' || query.tty === '1',
    size,
  };
}

export async function relayExec(
  ctx: RouteContext,
  request: FastifyRequest,
  socket: WebSocket,
  query: ExecQuery,
): Promise<void> {
  const app = scopeApp(request);
  const params = execParamsOf(app.id, query);
  const gone = new AbortController();
  const say = (m: ExecServerMessage): void => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(m));
  };
  socket.once('close', () => {
    request.releaseStreamSlot?.();
    gone.abort();
  });

  let started = false;
  const onEvent = (event: ExecEvent): void => {
    if (event.kind === 'started') {
      started = true;
      void audit(ctx, request, params, { replica: event.replica }, 'ok');
      say({ type: 'started', replica: event.replica });
      return;
    }
    if (socket.readyState !== socket.OPEN) return;
    socket.send(toOutputFrame(event.stream, Buffer.from(event.data, 'base64')));
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      request.log.warn('dropped an exec session whose client stopped reading');
      socket.terminate();
    }
  };

  try {
    const call = ctx.agents.exec(params, onEvent, gone.signal);
    socket.on('message', (data: RawData, isBinary: boolean) => {
      const bytes = toBuffer(data);
      if (isBinary) {
        if (bytes.length > MAX_INPUT_FRAME_BYTES) return socket.close(1009, 'stdin frame too large');
        call.input({ kind: 'data', data: bytes.toString('base64') });
        return;
      }
      const msg = ExecClientMessage.safeParse(parseJsonOrNull(bytes.toString('utf8')));
      if (!msg.success) return socket.close(1008, 'not an exec message');
      const m = msg.data;
      call.input(m.type === 'eof' ? { kind: 'eof' } : { kind: 'resize', cols: m.cols, rows: m.rows });
    });
    const result = await call.done;
    if (result) say({ type: 'exit', code: result.exitCode });
    if (socket.readyState === socket.OPEN) socket.close(1000, 'exited');
  } catch (err) {
    const e =
      err instanceof BerthError ? err : new BerthError('INTERNAL', 'The exec session failed inside berthd');
    if (!(err instanceof BerthError)) request.log.error({ err }, 'exec session failed');
    if (!started) await audit(ctx, request, params, { error: e.code }, 'failed');
    const hint = e.hint ?? (e.code === 'REPLICA_NOT_FOUND' ? replicaHint(app.name) : undefined);
    say({ type: 'error', code: e.code, message: e.message, ...(hint ? { hint } : {}) });
    if (socket.readyState === socket.OPEN) socket.close(1000, 'failed');
  } finally {
    // The session is over once it has said so, before the socket's closing handshake ends.
    request.releaseStreamSlot?.();
  }
}

/** The agent's error crosses the link without a hint; this is the next command to try. */
const replicaHint = (app: string): string =>
  `\`berth apps show ${app}\` lists its replicas (pick one with --replica N); \`berth deploy ${app}\` if none runs`;

/** One `app.exec` row per session: the command's argv (never its output) and where it ran. */
async function audit(
  ctx: RouteContext,
  request: FastifyRequest,
  params: ExecParams,
  extra: { replica: string } | { error: string },
  outcome: 'ok' | 'failed',
): Promise<void> {
  request.audited = true;
  const intent = intentOf(request, `app:${scopeApp(request).name}`, {
    cmd: JSON.stringify(params.cmd),
    tty: params.tty,
    slot: params.replica,
    ...extra,
  });
  try {
    await ctx.store.transaction((tx) => tx.audit.append({ ...intent, at: ctx.clock(), outcome }));
  } catch (err) {
    request.log.error({ err }, 'could not append an audit row');
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
