/**
 * A "somewhere else" for egress tests: a network namespace behind a veth pair, with busybox
 * httpd listening on a few ports of its own address (198.19.x.y/30, a benchmarking range no
 * real network uses). Containers reach it through the host's routing like any outside server,
 * so whether a port gets through is up to the firewall. Needs root; cleans up what it made.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = (file: string, args: readonly string[]): Promise<unknown> =>
  promisify(execFile)(file, args, { timeout: 20_000 });

export interface NetnsSink {
  /** The address inside the namespace the listeners are bound to. */
  address: string;
  stop(): Promise<void>;
}

export async function startNetnsSink(ports: readonly number[]): Promise<NetnsSink> {
  const tag = randomBytes(3).toString('hex');
  const ns = `berth-sink-${tag}`;
  const hostIf = `bsk${tag}`;
  const nsIf = `bsk${tag}p`;
  const [a, b] = randomBytes(2);
  const base = `198.19.${a}.${((b ?? 0) & 0x3f) * 4}`;
  const prefix = base.slice(0, base.lastIndexOf('.') + 1);
  const last = Number(base.slice(base.lastIndexOf('.') + 1));
  const hostAddr = `${prefix}${last + 1}`;
  const address = `${prefix}${last + 2}`;
  const www = await mkdtemp(join(tmpdir(), 'berth-sink-'));
  await writeFile(join(www, 'index.html'), 'sink\n');
  const children: ChildProcess[] = [];

  const stop = async (): Promise<void> => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await run('ip', ['netns', 'del', ns]).catch(() => undefined);
    await run('ip', ['link', 'del', hostIf]).catch(() => undefined);
    await rm(www, { recursive: true, force: true });
  };
  try {
    await run('ip', ['netns', 'add', ns]);
    await run('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf]);
    await run('ip', ['link', 'set', nsIf, 'netns', ns]);
    await run('ip', ['addr', 'add', `${hostAddr}/30`, 'dev', hostIf]);
    await run('ip', ['link', 'set', hostIf, 'up']);
    await run('ip', ['-n', ns, 'addr', 'add', `${address}/30`, 'dev', nsIf]);
    await run('ip', ['-n', ns, 'link', 'set', nsIf, 'up']);
    await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    for (const port of ports) {
      // nsenter, not `ip netns exec` (which remounts /sys): see TESTBED.md.
      const child = spawn(
        'nsenter',
        [`--net=/run/netns/${ns}`, 'busybox', 'httpd', '-f', '-p', `${address}:${port}`, '-h', www],
        { stdio: 'ignore' },
      );
      children.push(child);
      await waitForListener(address, port);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { address, stop };
}

async function waitForListener(host: string, port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host, port, timeout: 500 });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
      s.once('timeout', () => {
        s.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`the sink did not listen on ${host}:${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
