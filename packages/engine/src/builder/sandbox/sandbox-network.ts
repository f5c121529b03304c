/**
 * Egress for a sandbox that may have it: slirp4netns, run as the build user, gives the sandbox's
 * own network namespace a tap device routed through user-mode networking. Every connection a
 * build makes then leaves the host from the slirp4netns process, as the build user: its 127.0.0.1
 * is its own, slirp's gateway does not lead to the host's loopback (--disable-host-loopback), and
 * the host firewall's rules for the build user apply to all of it (the host's other addresses,
 * container networks, cloud metadata, SMTP).
 */
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { BerthError } from '@berth/protocol';
import type { SandboxIdentity } from './sandbox-plan.js';

/** slirp's DNS forwarder inside the sandbox (it asks the host's resolvers). */
export const SLIRP_DNS = '10.0.2.3';
const READY_TIMEOUT_MS = 10_000;

export interface SandboxEgress {
  stop(): void;
}

export async function attachEgress(o: {
  identity: SandboxIdentity;
  setpriv: string;
  slirp4netns: string;
  /** Host pid of a process in the sandbox's namespaces. */
  pid: number;
}): Promise<SandboxEgress> {
  const { identity: id, pid } = o;
  const child = spawn(
    o.setpriv,
    [
      `--reuid=${id.uid}`,
      `--regid=${id.gid}`,
      '--clear-groups',
      '--',
      o.slirp4netns,
      '--configure',
      '--mtu=65520',
      '--disable-host-loopback',
      '--enable-seccomp',
      '--exit-fd=3',
      '--ready-fd=4',
      `--userns-path=/proc/${pid}/ns/user`,
      String(pid),
      'tap0',
    ],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'], env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } },
  );
  const exitPipe = child.stdio[3] as Writable;
  exitPipe.on('error', () => undefined);
  const stop = (): void => {
    exitPipe.destroy(); // slirp4netns leaves when this closes (also when the agent dies)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS);
    (child.stdio[4] as Readable).once('data', () => {
      clearTimeout(timer);
      resolve(true);
    });
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  if (!ready) {
    stop();
    throw new BerthError('BUILD_SANDBOX_UNAVAILABLE', 'The build sandbox could not be given a network', {
      logs: stderr.split('\n').filter(Boolean).slice(-10),
      hint: 'slirp4netns needs /dev/net/tun open to the build user; builds of teams with egress off still work',
    });
  }
  return { stop };
}
