/**
 * A private nginx for integration tests: its prefix under a temp directory, listening on free
 * loopback ports, started exactly as a supervisor starts it (prepareNginxPrefix, nginxRunCommand)
 * so the tests exercise the real command line. Only the process started here is ever signalled.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../caddy/test-support/backends.js';
import { ERROR_LOG } from '../config.js';
import { createNginxEdge, type NginxEdge, type NginxEdgeOptions } from '../nginx-edge.js';
import { nginxRunCommand, prepareNginxPrefix } from '../process.js';
import type { NginxSettings } from '../values.js';

export interface TestNginx {
  prefix: string;
  settings: NginxSettings;
  httpPort: number;
  /** Null when started without HTTPS. */
  httpsPort: number | null;
  /** The master's pid (the spawned process). */
  pid: number;
  /** A new adapter on this prefix (as a restarted agent would make). */
  edge(options?: Partial<NginxEdgeOptions>): NginxEdge;
  /** nginx's error log so far, for assertion messages. */
  log(): Promise<string>;
  stop(): Promise<void>;
}

export interface TestNginxOptions {
  https?: boolean;
  /** Use this port for HTTPS instead of a free one (a test that finds it busy). */
  httpsPort?: number;
  workerProcesses?: number;
  /** HSTS on the HTTPS servers (with `https`). */
  hstsMaxAge?: number;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startTestNginx(options: TestNginxOptions = {}): Promise<TestNginx> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-nginx-'));
  const prefix = join(dir, 'nginx');
  const httpPort = await freePort();
  const httpsPort = options.https === true ? (options.httpsPort ?? (await freePort())) : null;
  const settings: NginxSettings = {
    httpListen: `127.0.0.1:${httpPort}`,
    httpsListen: httpsPort === null ? null : `127.0.0.1:${httpsPort}`,
    httpsPublicPort: httpsPort ?? 443,
    ...(options.workerProcesses === undefined ? {} : { workerProcesses: options.workerProcesses }),
    ...(options.hstsMaxAge === undefined ? {} : { hstsMaxAge: options.hstsMaxAge }),
  };
  await prepareNginxPrefix(prefix, settings);
  const cmd = nginxRunCommand({ prefix });
  const child = spawn(cmd.file, cmd.args, { env: cmd.env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const edge = (extra: Partial<NginxEdgeOptions> = {}): NginxEdge =>
    createNginxEdge({ prefix, settings, readyTimeoutMs: 5000, ...extra });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      // QUIT: graceful; KILL after a while so a stuck test cannot leave nginx behind.
      child.kill('SIGQUIT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited(child);
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await edge().ready();
  } catch (e) {
    await stop();
    throw new Error(`nginx did not start: ${stderr}`, { cause: e });
  }
  if (child.pid === undefined) throw new Error('nginx has no pid');
  return {
    prefix,
    settings,
    httpPort,
    httpsPort,
    pid: child.pid,
    edge,
    log: () => readFile(join(prefix, ERROR_LOG), 'utf8').catch(() => ''),
    stop,
  };
}
