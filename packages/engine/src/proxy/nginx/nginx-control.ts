/**
 * Talking to a running nginx: `nginx -t` on a candidate config, and a reload confirmed from the
 * error log. nginx's exit codes do not tell whether a reload took: `-s reload` (like the HUP it
 * sends) returns at once, and a master that cannot bind a new listener logs `bind() failed`,
 * retries for 2.5 s, logs `still could not bind()` and keeps the old config. So the master's own
 * lines after the HUP decide: `start worker processes` is success, an [emerg] not followed by
 * a retry is failure.
 */

import { execFile } from 'node:child_process';
import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError } from '@berth/protocol';
import { ERROR_LOG, PID_FILE } from './config.js';

export interface NginxControlOptions {
  prefix: string;
  nginxBin?: string;
  /** How long a reload may take before it counts as failed (a busy port alone takes 2.5 s). */
  reloadTimeoutMs?: number;
}

export interface ReloadResult {
  /**
   * Every worker older than this reload (the ones it retired and those earlier reloads retired):
   * any of them may still hold a request or a WebSocket to a replica this reload removed.
   */
  olderWorkers: number[];
  /** HUP → the new config's workers started (the master's `start worker processes`). */
  loadedMs: number;
  /** HUP → the old workers retired: what publish waits for. */
  ms: number;
}

const LINE = /^\S+ \S+ \[(\w+)\] (\d+)#\d+: (.*)$/;
const SERIOUS = new Set(['emerg', 'alert', 'crit']);
/** After an [emerg], this long without another line means the master gave up on the new config. */
const QUIET_AFTER_ERROR_MS = 300;
/** A bind() that failed is retried every 500 ms, five times, before `still could not bind()`. */
const QUIET_AFTER_BIND_MS = 1500;
const POLL_MS = 5;
const OLD_WORKERS_WAIT_MS = 2000;

export const nginxPrefixArg = (prefix: string): string => (prefix.endsWith('/') ? prefix : `${prefix}/`);

/** nginx's message without its timestamp and pid: `[emerg] bind() to … failed (98: …)`. */
function ownMessage(level: string, text: string): string {
  return `[${level}] ${text}`;
}

/** `nginx -t` on a candidate; rejects with nginx's own lines. */
export function testNginxConfig(options: NginxControlOptions, confPath: string): Promise<void> {
  const args = ['-t', '-q', '-p', nginxPrefixArg(options.prefix), '-e', 'stderr', '-c', confPath];
  return new Promise((resolve, reject) => {
    execFile(options.nginxBin ?? 'nginx', args, { timeout: 30_000 }, (err, _stdout, stderr) => {
      if (err === null) return resolve();
      const lines = stderr
        .split('\n')
        .map((l) => l.replace(/^nginx: /, '').trim())
        .filter((l) => l !== '' && !/test failed$/.test(l));
      reject(
        new BerthError('INTERNAL', `nginx refused the new config: ${lines[0] ?? err.message}`, {
          logs: lines,
          hint: 'The previous config keeps serving.',
          cause: err,
        }),
      );
    });
  });
}

export async function readMasterPid(prefix: string): Promise<number | null> {
  const text = await readFile(join(prefix, PID_FILE), 'utf8').catch(() => null);
  const pid = text === null ? NaN : Number(text.trim());
  return Number.isInteger(pid) && pid > 1 && isAlive(pid) ? pid : null;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The master's children now (its worker processes), from /proc. */
export async function childrenOf(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return text
    .split(/\s+/)
    .filter((s) => s !== '')
    .map(Number);
}

/**
 * The workers taking new connections: the master's children less those retired by an earlier
 * reload and still finishing their connections (their title says `is shutting down`; they never
 * log it again, so the next reload must not wait for them).
 */
export async function acceptingWorkers(master: number): Promise<number[]> {
  const out: number[] = [];
  for (const pid of await childrenOf(master)) {
    const title = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => null);
    if (title !== null && !title.includes('shutting down')) out.push(pid);
  }
  return out;
}

async function readFrom(path: string, offset: number): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size <= offset) return '';
    const buf = Buffer.alloc(size - offset);
    await handle.read(buf, 0, buf.length, offset);
    return buf.toString('utf8');
  } finally {
    await handle.close();
  }
}

function unavailable(message: string): BerthError {
  return new BerthError('PROXY_UNAVAILABLE', message, {
    hint: 'nginx is started by the agent; check its process and the error log under its prefix.',
  });
}

/**
 * HUPs the master and waits for its answer in the error log, then for the old workers to stop
 * taking connections (each logs `gracefully shutting down` as it closes its listeners).
 */
export async function reloadNginx(options: NginxControlOptions): Promise<ReloadResult> {
  const started = Date.now();
  const timeoutMs = options.reloadTimeoutMs ?? 10_000;
  const logPath = join(options.prefix, ERROR_LOG);
  const master = await readMasterPid(options.prefix);
  if (master === null) throw unavailable(`nginx is not running under ${options.prefix}`);
  const olderWorkers = await childrenOf(master);
  const oldWorkers = await acceptingWorkers(master);
  const offset = (await stat(logPath).catch(() => ({ size: 0 }))).size;
  process.kill(master, 'SIGHUP');

  let buffered = '';
  let consumed = offset;
  let reconfiguring = false;
  let workersStartedAt: number | null = null;
  const errors: string[] = [];
  let lastErrorAt = 0;
  let binding = false;
  const shutDown = new Set<number>();
  for (;;) {
    const chunk = await readFrom(logPath, consumed).catch(() => '');
    consumed += Buffer.byteLength(chunk);
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      const m = LINE.exec(line);
      if (m === null) continue;
      const [, level = '', pidText = '', text = ''] = m;
      const pid = Number(pidText);
      if (pid !== master) {
        if (text === 'gracefully shutting down') shutDown.add(pid);
        continue;
      }
      if (text === 'reconfiguring') reconfiguring = true;
      else if (!reconfiguring) continue;
      else if (text === 'start worker processes') workersStartedAt = Date.now();
      else if (SERIOUS.has(level)) {
        errors.push(ownMessage(level, text));
        lastErrorAt = Date.now();
        binding = /^bind\(\) to .* failed/.test(text);
      } else if (text.startsWith('try again to bind()')) {
        lastErrorAt = Date.now();
        binding = true;
      }
    }
    if (workersStartedAt !== null) {
      // Old workers that exited before logging anything count as done too. The master signals
      // them 100 ms after starting the new ones; a worker that never says so is not waited for long.
      const retired = oldWorkers.every((w) => shutDown.has(w) || !isAlive(w));
      if (retired || Date.now() - workersStartedAt > OLD_WORKERS_WAIT_MS)
        return { olderWorkers, loadedMs: workersStartedAt - started, ms: Date.now() - started };
    } else if (errors.length > 0) {
      const gaveUp = errors.some((e) => e.includes('still could not bind()'));
      const quietMs = binding ? QUIET_AFTER_BIND_MS : QUIET_AFTER_ERROR_MS;
      if (gaveUp || Date.now() - lastErrorAt >= quietMs) throw refused(errors);
    }
    if (!isAlive(master))
      throw unavailable(`nginx exited while reloading: ${errors.join('; ') || 'no message'}`);
    if (Date.now() - started > timeoutMs)
      throw new BerthError('INTERNAL', `nginx did not confirm the reload within ${timeoutMs} ms`, {
        logs: errors,
        hint: `Its error log is ${logPath}.`,
      });
    await sleep(POLL_MS);
  }
}

function refused(errors: readonly string[]): BerthError {
  const unique = [...new Set(errors)];
  return new BerthError('INTERNAL', `nginx could not load the new config: ${unique[0] ?? ''}`, {
    logs: unique,
    hint: 'nginx kept the previous config, which is current again.',
  });
}
