/**
 * A command in a running container through the engine's exec API: create, start with the
 * connection taken over (stdin in, output out, both raw bytes), resize, read the exit code. It
 * runs inside the container's namespaces and cgroup, with its capabilities, user and
 * no-new-privileges, as `docker exec` does; never privileged.
 */
import type { Duplex } from 'node:stream';
import { BerthError } from '@berth/protocol';
import { engineMessage, type EngineHttpClient } from './engine-http.js';
import { asRecord, asString } from './engine-json.js';
import { reapExecProcess } from './exec-reap.js';
import type { ExecOutput, ExecSession, ExecSpec } from './types.js';

const HEADER_BYTES = 8;

/** `containerId` as it goes into a path (already checked and escaped by the caller). */
export async function startExec(
  api: EngineHttpClient,
  containerId: string,
  spec: ExecSpec,
): Promise<ExecSession> {
  const created = await api.request({
    method: 'POST',
    path: `/containers/${containerId}/exec`,
    body: {
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: spec.tty,
      Cmd: spec.cmd,
      Privileged: false,
      ...(spec.tty && { Env: ['TERM=xterm-256color'] }),
      ...consoleSize(spec),
    },
  });
  const id = asString(asRecord(created.body).Id);
  if (created.status !== 201 || !id) {
    throw new BerthError('INTERNAL', `Could not start ${spec.cmd[0] ?? ''}: ${engineMessage(created.body)}`);
  }
  const socket = await api.upgrade({
    method: 'POST',
    path: `/exec/${encodeURIComponent(id)}/start`,
    body: { Detach: false, Tty: spec.tty, ...consoleSize(spec), ...podmanSize(spec) },
  });
  const resize = async (cols: number, rows: number): Promise<void> => {
    // A command that already ended cannot be resized; that is not an error worth a word.
    await api
      .request({
        method: 'POST',
        path: `/exec/${encodeURIComponent(id)}/resize`,
        query: { h: rows, w: cols },
      })
      .catch(() => undefined);
  };
  // Engines that do not take the size with the command (Docker before API 1.42) get it now.
  if (spec.tty && spec.size) await resize(spec.size.cols, spec.size.rows);
  return {
    output: spec.tty ? rawOutput(socket) : demuxOutput(socket),
    write: (data) => write(socket, data),
    closeInput: () => {
      if (!socket.writableEnded) socket.end();
    },
    resize,
    async exitCode() {
      const res = await api.request({ method: 'GET', path: `/exec/${encodeURIComponent(id)}/json` });
      const code = asRecord(res.body).ExitCode;
      return res.status === 200 && typeof code === 'number' ? code : null;
    },
    async close() {
      socket.destroy();
      // The connection's end does not end the command (see exec-reap.ts): kill what still runs.
      const res = await api.request({ method: 'GET', path: `/exec/${encodeURIComponent(id)}/json` });
      const info = asRecord(res.body);
      if (res.status === 200 && info.Running === true && typeof info.Pid === 'number' && info.Pid > 0)
        await reapExecProcess(info.Pid);
    },
  };
}

/** The terminal's size from the start, so a program reading it at once sees it: [rows, cols]. */
const consoleSize = (spec: ExecSpec): { ConsoleSize?: [number, number] } =>
  spec.tty && spec.size ? { ConsoleSize: [spec.size.rows, spec.size.cols] } : {};

/** Podman's exec start reads the size as `h` and `w` instead. */
const podmanSize = (spec: ExecSpec): { h?: number; w?: number } =>
  spec.tty && spec.size ? { h: spec.size.rows, w: spec.size.cols } : {};

function write(socket: Duplex, data: Buffer): Promise<void> {
  if (socket.writableEnded || socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    if (socket.write(data)) resolve();
    else {
      const done = (): void => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.once('drain', done);
      socket.once('close', done);
    }
  });
}

async function* rawOutput(socket: Duplex): AsyncGenerator<ExecOutput> {
  for await (const chunk of socket as AsyncIterable<Buffer>) yield { stream: 'stdout', data: chunk };
}

/**
 * Without a TTY the engine frames stdout and stderr: an 8-byte header [stream, 0, 0, 0, size as
 * uint32 big-endian], then the data; a chunk can end inside a header or a frame.
 */
export async function* demuxOutput(chunks: AsyncIterable<Buffer>): AsyncGenerator<ExecOutput> {
  let buf: Buffer = Buffer.alloc(0);
  for await (const chunk of chunks) {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    while (buf.length >= HEADER_BYTES) {
      const size = buf.readUInt32BE(4);
      if (buf.length < HEADER_BYTES + size) break;
      const data = buf.subarray(HEADER_BYTES, HEADER_BYTES + size);
      if (data.length > 0) yield { stream: buf[0] === 2 ? 'stderr' : 'stdout', data };
      buf = buf.subarray(HEADER_BYTES + size);
    }
  }
}
