/**
 * A private underlay for mesh tests: one network namespace per "server", each with a veth into a
 * hub namespace that holds a bridge. Nothing is added to the root namespace, so the test cannot
 * disturb the machine's own networking, and deleting the namespaces removes every link.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Underlay {
  hub: string;
  hosts: { netns: string; underlayIp: string }[];
  /** Deletes every namespace it made (their links go with them); safe to call twice. */
  remove(): Promise<void>;
}

const ip = (...args: string[]) => run('ip', args, { env: { LC_ALL: 'C' } });

/** `prefix` must be unique to the test run (it names the namespaces). Underlay 10.213.0.0/24. */
export async function createUnderlay(prefix: string, hostCount: number): Promise<Underlay> {
  const hub = `${prefix}-hub`;
  const made: string[] = [];
  const remove = async () => {
    for (const ns of made.splice(0).reverse()) {
      if (existsSync(`/run/netns/${ns}`)) await ip('netns', 'del', ns);
    }
  };
  try {
    await ip('netns', 'add', hub);
    made.push(hub);
    await ip('-n', hub, 'link', 'add', 'br0', 'type', 'bridge');
    await ip('-n', hub, 'link', 'set', 'br0', 'up');
    const hosts: Underlay['hosts'] = [];
    for (let i = 1; i <= hostCount; i++) {
      const netns = `${prefix}-h${i}`;
      const underlayIp = `10.213.0.${i}`;
      await ip('netns', 'add', netns);
      made.push(netns);
      await ip(
        'link',
        'add',
        'eth0',
        'netns',
        netns,
        'type',
        'veth',
        'peer',
        'name',
        `port${i}`,
        'netns',
        hub,
      );
      await ip('-n', hub, 'link', 'set', `port${i}`, 'master', 'br0', 'up');
      await ip('-n', netns, 'address', 'add', `${underlayIp}/24`, 'dev', 'eth0');
      await ip('-n', netns, 'link', 'set', 'eth0', 'up');
      await ip('-n', netns, 'link', 'set', 'lo', 'up');
      hosts.push({ netns, underlayIp });
    }
    return { hub, hosts, remove };
  } catch (err) {
    await remove();
    throw err;
  }
}

export const netnsExists = (name: string): boolean => existsSync(`/run/netns/${name}`);
