import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { backoffDelayMs } from '@berth/core';
import { writeFileAtomic } from '@berth/io';

/** One process `berth up` keeps running. */
export interface ChildSpec {
  name: string;
  file: string;
  args: string[];
  /** Added to (or, with replaceEnv, instead of) the supervisor's environment. */
  env: Record<string, string>;
  replaceEnv?: boolean;
  /** Lines the child writes are passed here (after going to its log file); return a line to show, or null. */
  format?: (line: string) => string | null;
}

interface Running {
  spec: ChildSpec;
  child: ChildProcess | null;
  restarts: number;
  startedAt: number;
  timer: NodeJS.Timeout | null;
  log: WriteStream;
  lastLines: string[];
}

/** 0.25 s, 0.5 s, 1 s … 10 s between restarts of a child that keeps dying. */
const RESTART_BACKOFF = { firstMs: 250, maxMs: 10_000 };
/** A child that stayed up this long is healthy again: its next crash restarts it quickly. */
const STABLE_AFTER_MS = 30_000;
const STOP_GRACE_MS = 10_000;

/**
 * Starts children, restarts any that dies (with backoff), and stops them in reverse order.
 * Each child's output goes to <logDir>/<name>.log; its pid to <runDir>/<name>.pid, so a person
 * (or a test) can find and signal exactly that process.
 */
export class Supervisor {
  private readonly running = new Map<string, Running>();
  private stopping = false;

  constructor(
    private readonly runDir: string,
    private readonly logDir: string,
    /** The environment children inherit (plus their own variables). */
    private readonly baseEnv: Readonly<Record<string, string | undefined>>,
    private readonly say: (line: string) => void,
  ) {}

  start(spec: ChildSpec): void {
    const r: Running = {
      spec,
      child: null,
      restarts: 0,
      startedAt: 0,
      timer: null,
      log: createWriteStream(join(this.logDir, `${spec.name}.log`), { flags: 'a', mode: 0o600 }),
      lastLines: [],
    };
    this.running.set(spec.name, r);
    this.spawn(r);
  }

  pid(name: string): number | null {
    return this.running.get(name)?.child?.pid ?? null;
  }

  /** The last lines a child wrote, for an error message when it keeps failing. */
  lastLines(name: string): string[] {
    return this.running.get(name)?.lastLines ?? [];
  }

  restarts(name: string): number {
    return this.running.get(name)?.restarts ?? 0;
  }

  /** Stops children in the reverse order they were started: SIGTERM, then SIGKILL after a grace period. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    for (const r of [...this.running.values()].reverse()) {
      if (r.timer) clearTimeout(r.timer);
      await stopChild(r.child);
      await rm(join(this.runDir, `${r.spec.name}.pid`), { force: true });
      r.log.end();
    }
  }

  private spawn(r: Running): void {
    const { spec } = r;
    const child = spawn(spec.file, spec.args, {
      env: spec.replaceEnv ? spec.env : { ...this.baseEnv, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    r.child = child;
    r.startedAt = Date.now();
    // Whole or not there: whoever reads it to signal the child never sees a truncated pid.
    if (child.pid) {
      void writeFileAtomic(join(this.runDir, `${spec.name}.pid`), `${child.pid}\n`, { mode: 0o644 }).catch(
        (err: unknown) => this.say(`could not write ${spec.name}.pid: ${String(err)}`),
      );
    }
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => this.onLine(r, line));
    }
    child.on('error', (err) => this.onLine(r, `failed to start ${spec.file}: ${err.message}`));
    child.on('exit', (code, signal) => this.onExit(r, child, code, signal));
  }

  private onLine(r: Running, line: string): void {
    r.log.write(`${line}\n`);
    r.lastLines.push(line);
    if (r.lastLines.length > 20) r.lastLines.shift();
    const shown = r.spec.format ? r.spec.format(line) : null;
    if (shown !== null) this.say(shown);
  }

  private onExit(r: Running, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (r.child !== child || this.stopping) return;
    r.child = null;
    if (Date.now() - r.startedAt > STABLE_AFTER_MS) r.restarts = 0;
    r.restarts += 1;
    const delay = backoffDelayMs(r.restarts, RESTART_BACKOFF);
    const how = signal ? `was killed (${signal})` : `exited with code ${code ?? '?'}`;
    this.say(`${r.spec.name} ${how}; restarting in ${(delay / 1000).toFixed(1)}s`);
    r.timer = setTimeout(() => {
      r.timer = null;
      if (!this.stopping) this.spawn(r);
    }, delay);
  }
}

function stopChild(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
