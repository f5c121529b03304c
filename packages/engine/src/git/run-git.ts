/**
 * One git process: argv array (never a shell), our environment, stderr streamed as lines, killed
 * with its whole process group on abort (git fetch runs helpers such as git-remote-https and ssh).
 */
import { spawn } from 'node:child_process';
import { GIT_GLOBAL_ARGS } from './git-env.js';

export interface RunGitOptions {
  cwd: string;
  env: Record<string, string>;
  signal: AbortSignal;
  /** Every stderr line (progress included), already scrubbed. */
  onLine: (line: string) => void;
  scrub: (text: string) => string;
}

export interface GitResult {
  code: number | null;
  stdout: string;
  /** The last stderr lines, scrubbed. */
  stderr: string[];
}

const KEEP_LINES = 40;
const KILL_GRACE_MS = 2_000;
/** Progress lines are rewritten in place with \r; one is passed on at most this often. */
const PROGRESS_EVERY_MS = 2_000;
const MAX_STDOUT = 1024 * 1024;

export function runGit(args: readonly string[], o: RunGitOptions): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    if (o.signal.aborted) {
      reject(o.signal.reason as Error);
      return;
    }
    const child = spawn('git', [...GIT_GLOBAL_ARGS, ...args], {
      cwd: o.cwd,
      env: o.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so an abort reaches git's helpers too.
      detached: true,
    });
    const stderr: string[] = [];
    let stdout = '';
    const lines = createLineSplitter((line) => {
      const clean = o.scrub(line);
      stderr.push(clean);
      if (stderr.length > KEEP_LINES) stderr.shift();
      o.onLine(clean);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', lines.push);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (stdout.length < MAX_STDOUT) stdout += chunk;
    });

    let killTimer: NodeJS.Timeout | undefined;
    const kill = (): void => {
      signalGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS);
    };
    o.signal.addEventListener('abort', kill, { once: true });
    child.once('error', (err) => {
      o.signal.removeEventListener('abort', kill);
      reject(err);
    });
    child.once('close', (code) => {
      o.signal.removeEventListener('abort', kill);
      clearTimeout(killTimer);
      lines.end();
      if (o.signal.aborted) reject(o.signal.reason as Error);
      else resolve({ code, stdout, stderr });
    });
  });
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Splits git's stderr into lines; a progress line updated with \r is passed on now and then. */
function createLineSplitter(emit: (line: string) => void): {
  push: (chunk: string) => void;
  end: () => void;
} {
  let pending = '';
  let lastProgress = 0;
  const progress = (segment: string): void => {
    const now = Date.now();
    if (segment.trim() === '' || now - lastProgress < PROGRESS_EVERY_MS) return;
    lastProgress = now;
    emit(segment);
  };
  return {
    push(chunk) {
      pending += chunk;
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const part of parts) {
        // ssh ends its lines with \r\n; progress rewrites a line with \r and ends it with \n.
        const line = part.replace(/\r+$/, '');
        const final = line.slice(line.lastIndexOf('\r') + 1);
        if (final.trim() !== '') emit(final);
      }
      const segments = pending.split('\r');
      pending = segments.pop() ?? '';
      const latest = segments.filter((s) => s.trim() !== '').pop();
      if (latest !== undefined) progress(latest);
    },
    end() {
      if (pending.trim() !== '') emit(pending);
      pending = '';
    },
  };
}
