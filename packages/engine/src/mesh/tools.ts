/**
 * The programs the mesh runs, found once, and the one way they are run: execFile with an
 * argument array, optionally inside a network namespace through nsenter (not `ip netns exec`,
 * which remounts /sys).
 */
import { execFile } from 'node:child_process';
import { findExecutable } from '@berth/io';
import { BerthError } from '@berth/protocol';
import { checkNetnsName } from './values.js';

export interface WireGuardTools {
  wg: string;
  ip: string;
  nsenter: string;
  /** Null when not installed: then only the kernel module can make interfaces. */
  wireguardGo: string | null;
}

const INSTALL_HINT = 'Install WireGuard (Debian: apt-get install wireguard-tools wireguard-go iproute2).';

/** Finds the tools on `path` (the agent's PATH, from its main.ts) and in the sbin directories. */
export async function findWireGuardTools(path: string): Promise<WireGuardTools> {
  const find = (name: string) => findExecutable(name, path, ['/usr/sbin', '/sbin', '/usr/bin', '/bin']);
  const [wg, ip, nsenter, wireguardGo] = await Promise.all([
    find('wg'),
    find('ip'),
    find('nsenter'),
    find('wireguard-go'),
  ]);
  const missing = [wg ? null : 'wg', ip ? null : 'ip', nsenter ? null : 'nsenter'].filter((m) => m !== null);
  if (!wg || !ip || !nsenter) {
    throw new BerthError(
      'INTERNAL',
      `The WireGuard mesh needs ${missing.join(', ')}, which this server lacks`,
      {
        hint: INSTALL_HINT,
      },
    );
  }
  return { wg, ip, nsenter, wireguardGo };
}

export interface CommandResult {
  stdout: string;
  stderr: string;
}

/** The file and arguments that run `bin args` in `netns`, or on the host when it is null. */
export function inNetns(
  tools: WireGuardTools,
  netns: string | null,
  bin: string,
  args: readonly string[],
): { file: string; args: string[] } {
  if (netns === null) return { file: bin, args: [...args] };
  return { file: tools.nsenter, args: [`--net=/run/netns/${checkNetnsName(netns)}`, '--', bin, ...args] };
}

const TIMEOUT_MS = 15_000;

/** Runs the command; a failure becomes a BerthError naming what was attempted and why it failed. */
export function runCommand(
  tools: WireGuardTools,
  netns: string | null,
  bin: string,
  args: readonly string[],
  what: string,
): Promise<CommandResult> {
  const command = inNetns(tools, netns, bin, args);
  return new Promise((resolve, reject) => {
    execFile(
      command.file,
      command.args,
      { timeout: TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024, env: { LC_ALL: 'C' } },
      (error, stdout, stderr) => {
        if (!error) return resolve({ stdout, stderr });
        const detail = stderr.trim() || error.message;
        const notInstalled = (error as NodeJS.ErrnoException).code === 'ENOENT';
        reject(
          new BerthError('INTERNAL', `${what} failed: ${detail}`, {
            hint: notInstalled ? INSTALL_HINT : undefined,
            cause: error,
          }),
        );
      },
    );
  });
}

/** Like runCommand, but a failure is an answer (false), not an error: for "does it exist?". */
export async function succeeds(
  tools: WireGuardTools,
  netns: string | null,
  bin: string,
  args: readonly string[],
): Promise<boolean> {
  try {
    await runCommand(tools, netns, bin, args, 'probe');
    return true;
  } catch {
    return false;
  }
}
