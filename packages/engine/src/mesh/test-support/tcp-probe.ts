/**
 * TCP over the mesh, measured: a sink inside one namespace that counts what it receives and
 * answers with the count, and a client run inside another that sends N bytes and reports how
 * long it took. Both are Node child processes entered into the namespace with nsenter.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

const SINK = `
const net = require('node:net');
const server = net.createServer((socket) => {
  let bytes = 0;
  socket.on('data', (d) => (bytes += d.length));
  socket.on('end', () => socket.end(String(bytes)));
  socket.on('error', () => {});
});
server.listen(Number(process.argv[2]), process.argv[1], () => console.log('listening'));
`;

const CLIENT = `
const net = require('node:net');
const [host, port, size, timeout] = process.argv.slice(1);
const started = Date.now();
const socket = net.connect({ host, port: Number(port), timeout: Number(timeout) });
const finish = (r) => { console.log(JSON.stringify(r)); process.exit(0); };
socket.on('timeout', () => finish({ ok: false, error: 'timeout' }));
socket.on('error', (e) => finish({ ok: false, error: e.code || e.message }));
socket.on('connect', () => {
  socket.setTimeout(0);
  const chunk = Buffer.alloc(64 * 1024, 7);
  let left = Number(size);
  const write = () => {
    while (left > 0) {
      const n = Math.min(left, chunk.length);
      left -= n;
      if (!socket.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return socket.once('drain', write);
    }
    socket.end();
  };
  write();
});
let answer = '';
socket.on('data', (d) => (answer += d));
socket.on('end', () => finish({ ok: true, received: Number(answer), ms: Date.now() - started }));
`;

export interface Sink {
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts the sink on host:port inside `netns`; resolves once it listens. */
export async function startSink(netns: string, host: string, port: number): Promise<Sink> {
  const child = spawn(
    'nsenter',
    [`--net=/run/netns/${netns}`, '--', process.execPath, '-e', SINK, host, String(port)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  if (!child.stdout) throw new Error('no stdout');
  const lines = createInterface({ input: child.stdout });
  const [line] = (await Promise.race([once(lines, 'line'), once(child, 'exit')])) as unknown[];
  if (line !== 'listening') throw new Error(`the sink in ${netns} did not start`);
  return {
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await once(child, 'exit');
    },
  };
}

export type SendResult = { ok: true; received: number; ms: number } | { ok: false; error: string };

/** Sends `bytes` from inside `netns` to host:port, giving up on connecting after timeoutMs. */
export function sendBytes(
  netns: string,
  host: string,
  port: number,
  bytes: number,
  timeoutMs: number,
): Promise<SendResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'nsenter',
      [
        `--net=/run/netns/${netns}`,
        '--',
        process.execPath,
        '-e',
        CLIENT,
        host,
        String(port),
        String(bytes),
        String(timeoutMs),
      ],
      { timeout: 30_000 },
      (error, stdout) =>
        error
          ? reject(new Error(`the client in ${netns} failed: ${error.message}`))
          : resolve(JSON.parse(stdout) as SendResult),
    );
  });
}
