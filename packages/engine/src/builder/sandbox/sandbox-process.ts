/**
 * Starting a planned sandbox command, with the small files of its made-up /etc in pipes. The
 * child is the sandbox's bwrap (setpriv and unshare exec into it), which dies with the agent
 * (--die-with-parent) and takes every process of the sandbox with it (its pid namespace).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess, StdioOptions } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { SandboxCommand } from './sandbox-plan.js';

export interface SandboxProcess {
  child: ChildProcess;
  /** Resolves when the sandbox is gone (its whole pid namespace). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Stops everything in the sandbox at once. */
  kill(): void;
  /** Its last output lines (stdout and stderr), for error messages. */
  lastLines(): string[];
  /** The host pid of the sandbox's first process (its namespaces are /proc/PID/ns/*). */
  childPid: Promise<number>;
}

const KEEP_LINES = 40;
const SANDBOX_TOOL_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

export function spawnSandbox(
  cmd: SandboxCommand,
  o: { onLine?: (line: string) => void; stdin?: 'pipe' | 'ignore' } = {},
): SandboxProcess {
  const stdio: StdioOptions = [o.stdin ?? 'ignore', 'pipe', 'pipe', ...cmd.fds.map(() => 'pipe' as const)];
  // unshare finds newuidmap on PATH; nothing else of the agent's environment goes in.
  const child = spawn(cmd.file, cmd.args, { stdio, env: { PATH: SANDBOX_TOOL_PATH } });
  let childPid: Promise<number> | null = null;
  cmd.fds.forEach((fd, i) => {
    const pipe = child.stdio[3 + i] as (Writable & Readable) | null;
    pipe?.on('error', () => undefined); // a sandbox that failed to start closes its end
    if (fd.kind === 'data') pipe?.end(fd.content);
    else if (pipe) childPid = readChildPid(pipe);
  });
  childPid ??= Promise.reject(new Error('the sandbox was started without --info-fd'));
  childPid.catch(() => undefined);
  const lines: string[] = [];
  const onText = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line === '') continue;
      lines.push(line);
      if (lines.length > KEEP_LINES) lines.shift();
      o.onLine?.(line);
    }
  };
  child.stdout?.on('data', onText);
  child.stderr?.on('data', onText);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', () => resolve({ code: null, signal: null }));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  return {
    child,
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
    lastLines: () => [...lines],
    childPid,
  };
}

/** bwrap's --info-fd JSON: `{"child-pid": N, …}`. */
function readChildPid(pipe: Readable): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = '';
    pipe.setEncoding('utf8');
    pipe.on('data', (chunk: string) => {
      text += chunk;
      const m = /"child-pid"\s*:\s*(\d+)/.exec(text);
      if (m?.[1]) resolve(Number(m[1]));
    });
    pipe.on('end', () => reject(new Error('the sandbox did not say its pid')));
  });
}
