/**
 * wireguard-go, for hosts without the kernel module: one process per interface, kept in the
 * foreground (WG_PROCESS_FOREGROUND=1) so its PID is the one we spawned and it can be stopped by
 * that PID. Its log goes to a file, not a pipe: a pipe would break when the agent restarts, and
 * Go programs die of SIGPIPE writing to a broken stderr.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { BerthError } from '@berth/protocol';
import { inNetns, type WireGuardTools } from './tools.js';

/** Where wireguard-go puts its control socket (fixed in wireguard-go: not per namespace). */
export const WIREGUARD_SOCKET_DIR = '/var/run/wireguard';

const READY_TIMEOUT_MS = 5_000;
const POLL_MS = 10;

export interface UserspaceDevice {
  pid: number;
  child: ChildProcess;
  logFile: string;
  /** Resolves when the process has exited (at once if it already has). */
  exited: Promise<void>;
}

const socketPath = (name: string): string => join(WIREGUARD_SOCKET_DIR, `${name}.sock`);

/**
 * Whether a wireguard-go answers on `name`'s control socket. A socket file nobody listens on is
 * stale: a wireguard-go that was killed leaves it behind, and `wg` would talk to it.
 */
function socketState(name: string): Promise<'absent' | 'stale' | 'live'> {
  return new Promise((resolve) => {
    const socket = createConnection({ path: socketPath(name) });
    socket.once('connect', () => {
      socket.destroy();
      resolve('live');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ENOENT' ? 'absent' : 'stale'));
  });
}

async function logTail(logFile: string): Promise<string> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  return text.trim().split('\n').slice(-5).join('\n');
}

/** Starts wireguard-go for `name` and resolves once it answers on its control socket. */
export async function startWireGuardGo(
  tools: WireGuardTools,
  netns: string | null,
  name: string,
  runDir: string,
): Promise<UserspaceDevice> {
  if (!tools.wireguardGo) {
    throw new BerthError('INTERNAL', `This server has no WireGuard kernel module and no wireguard-go`, {
      hint: 'Install wireguard-go (Debian: apt-get install wireguard-go), or load the wireguard module.',
    });
  }
  const before = await socketState(name);
  if (before === 'live') {
    throw new BerthError('INTERNAL', `Another wireguard-go already serves the name ${name}`, {
      hint: 'Interface names of userspace WireGuard are unique per machine (even across network namespaces): pick another.',
    });
  }
  if (before === 'stale') await rm(socketPath(name), { force: true });
  const logFile = join(runDir, `${name}.wireguard-go.log`);
  await mkdir(runDir, { recursive: true, mode: 0o700 });
  // Truncated on each start: at LOG_LEVEL=error it logs little, but a long run with an unreachable
  // underlay repeats its send errors.
  const log = await open(logFile, 'w', 0o600);
  const command = inNetns(tools, netns, tools.wireguardGo, [name]);
  const spawnError: { error: Error | null } = { error: null };
  let child: ChildProcess;
  try {
    child = spawn(command.file, command.args, {
      stdio: ['ignore', log.fd, log.fd],
      env: { WG_PROCESS_FOREGROUND: '1', LOG_LEVEL: 'error' },
    });
    // Before anything awaits: an 'error' without a listener would bring the agent down.
    child.once('error', (err) => (spawnError.error = err));
  } finally {
    await log.close();
  }
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while ((await socketState(name)) !== 'live') {
    if (
      spawnError.error !== null ||
      child.exitCode !== null ||
      child.signalCode !== null ||
      Date.now() > deadline
    ) {
      child.kill('SIGKILL');
      const why =
        spawnError.error?.message ?? ((await logTail(logFile)) || `exit code ${String(child.exitCode)}`);
      throw new BerthError('INTERNAL', `wireguard-go could not start interface ${name}: ${why}`, {
        hint: `Read ${logFile}; is /dev/net/tun available, and is ${name} free?`,
      });
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return { pid: child.pid ?? -1, child, logFile, exited };
}

/** Stops the process by its PID: politely first, then for good. Resolves once it is gone. */
export async function stopWireGuardGo(device: UserspaceDevice, graceMs = 2_000): Promise<void> {
  const { child } = device;
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await device.exited;
  clearTimeout(timer);
}
