/**
 * A private Caddy for integration tests: its own admin socket, state and log under `dir`, started
 * exactly as the agent starts it (caddyRunCommand), so tests exercise the real command line.
 */

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { caddyRunCommand, createCaddyAdmin, renderCaddyBootConfig } from '@berth/engine';

/** Where the edge around this Caddy listens: its HTTP listener and the edge service's DNS socket. */
export interface TestCaddySettings {
  httpListen: string;
  dnsSocket: string;
  upstreamRefreshMs: number;
}

export interface TestCaddy {
  adminSocket: string;
  pid: number;
  /** Settings for the Caddy edge; the DNS socket sits beside the admin socket. */
  settings: TestCaddySettings;
  /** Graceful stop (SIGTERM, then SIGKILL after a while). */
  stop(): Promise<void>;
  /** A crash: SIGKILL, no cleanup by Caddy. */
  kill(): Promise<void>;
  /** Caddy's log so far, for assertion messages. */
  log(): Promise<string>;
}

export interface TestCaddyOptions {
  httpPort: number;
  caddyBin?: string;
  upstreamRefreshMs?: number;
  startTimeoutMs?: number;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function waitForAdmin(adminSocket: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const admin = createCaddyAdmin(adminSocket, { timeoutMs: 1000 });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`caddy exited with ${child.exitCode} before its admin API answered`);
    try {
      await admin.ping();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Starts Caddy in `dir`; calling it again on the same dir resumes the autosaved config. */
export async function startTestCaddy(dir: string, options: TestCaddyOptions): Promise<TestCaddy> {
  const adminSocket = join(dir, 'caddy-admin.sock');
  const stateDir = join(dir, 'caddy-state');
  const bootConfigPath = join(dir, 'caddy-boot.json');
  const logPath = join(dir, 'caddy.log');
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  await writeFile(bootConfigPath, JSON.stringify(renderCaddyBootConfig(adminSocket)));
  const cmd = caddyRunCommand({ caddyBin: options.caddyBin, bootConfigPath, stateDir });
  const logStream = createWriteStream(logPath, { flags: 'a' });
  const child = spawn(cmd.file, cmd.args, { env: cmd.env, cwd: stateDir, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(logStream, { end: false });
  child.stderr?.pipe(logStream, { end: false });
  const spawnFailed = new Promise<never>((_, reject) => child.once('error', reject));
  spawnFailed.catch(() => undefined); // awaited below only while starting
  const pid = child.pid;
  const endLog = async (): Promise<void> => {
    await exited(child);
    await new Promise<void>((r) => logStream.end(r));
  };
  const signal = async (sig: NodeJS.Signals, graceMs: number): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(sig);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited(child);
      clearTimeout(timer);
    }
    await endLog();
  };
  try {
    if (pid === undefined) await spawnFailed;
    await Promise.race([waitForAdmin(adminSocket, child, options.startTimeoutMs ?? 10_000), spawnFailed]);
  } catch (e) {
    await signal('SIGKILL', 0);
    const log = await readFile(logPath, 'utf8').catch(() => '');
    throw new Error(
      `caddy did not start: ${e instanceof Error ? e.message : String(e)}\n${log.slice(-2000)}`,
    );
  }
  return {
    adminSocket,
    pid: pid ?? -1,
    settings: {
      httpListen: `127.0.0.1:${options.httpPort}`,
      dnsSocket: join(dir, 'upstream-dns.sock'),
      upstreamRefreshMs: options.upstreamRefreshMs ?? 100,
    },
    stop: () => signal('SIGTERM', 5000),
    kill: () => signal('SIGKILL', 0),
    log: () => readFile(logPath, 'utf8'),
  };
}
