/**
 * A stand-in for a team network's bridge, for firewall tests that need real traffic: a network
 * namespace (the "container") behind a veth pair whose host end carries the gateway address, as
 * CNI's bridge does. Packets from the namespace enter the host on that interface, so the app
 * firewall judges them as a container's. Needs root; removes what it made.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = (file: string, args: readonly string[]): Promise<{ stdout: string }> =>
  promisify(execFile)(file, args, { timeout: 20_000 });

export interface TeamBridge {
  /** The host-side interface, named like Berth's bridges (`bt-…`). */
  bridge: string;
  subnet: string;
  gateway: string;
  /**
   * Sends one DNS message from inside the namespace to host:53 over `proto` (TCP with its length
   * prefix) and returns the answer, or null when none came within `timeoutMs`.
   */
  askDns(proto: 'udp' | 'tcp', host: string, message: Buffer, timeoutMs?: number): Promise<Buffer | null>;
  remove(): Promise<void>;
}

// Run by node inside the namespace: argv is proto, host, the message in hex, the timeout.
const DNS_PROBE = `
const [proto, host, hex, ms] = process.argv.slice(1);
const msg = Buffer.from(hex, 'hex');
const done = (b) => { process.stdout.write(b ? b.toString('hex') : 'none'); process.exit(0); };
setTimeout(() => done(null), Number(ms));
if (proto === 'udp') {
  const s = require('node:dgram').createSocket('udp4');
  s.on('message', (m) => done(m));
  s.send(msg, 53, host);
} else {
  const c = require('node:net').connect({ host, port: 53 });
  const len = Buffer.alloc(2); len.writeUInt16BE(msg.length);
  let got = Buffer.alloc(0);
  c.on('error', () => done(null));
  c.on('connect', () => c.write(Buffer.concat([len, msg])));
  c.on('data', (d) => { got = Buffer.concat([got, d]); if (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0)) done(got.subarray(2)); });
}`;

/** `third`: the subnet is 10.252.<third>.0/24, the gateway its .1, the "container" its .2. */
export async function createTeamBridge(third: number): Promise<TeamBridge> {
  const tag = randomBytes(3).toString('hex');
  const ns = `berth-fwdns-${tag}`;
  const bridge = `bt-fw${tag}`;
  const peer = `bt-fw${tag}p`;
  const subnet = `10.252.${third}.0/24`;
  const gateway = `10.252.${third}.1`;
  const remove = async (): Promise<void> => {
    await run('ip', ['netns', 'del', ns]).catch(() => undefined);
    await run('ip', ['link', 'del', bridge]).catch(() => undefined);
  };
  try {
    await run('ip', ['netns', 'add', ns]);
    await run('ip', ['link', 'add', bridge, 'type', 'veth', 'peer', 'name', peer]);
    await run('ip', ['link', 'set', peer, 'netns', ns]);
    await run('ip', ['addr', 'add', `${gateway}/24`, 'dev', bridge]);
    await run('ip', ['link', 'set', bridge, 'up']);
    await run('ip', ['-n', ns, 'addr', 'add', `10.252.${third}.2/24`, 'dev', peer]);
    await run('ip', ['-n', ns, 'link', 'set', peer, 'up']);
    await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    await run('ip', ['-n', ns, 'route', 'add', 'default', 'via', gateway]);
  } catch (err) {
    await remove();
    throw err;
  }
  return {
    bridge,
    subnet,
    gateway,
    async askDns(proto, host, message, timeoutMs = 1500) {
      // nsenter, not `ip netns exec` (which remounts /sys): see TESTBED.md.
      const { stdout } = await run('nsenter', [
        `--net=/run/netns/${ns}`,
        process.execPath,
        '-e',
        DNS_PROBE,
        proto,
        host,
        message.toString('hex'),
        String(timeoutMs),
      ]);
      return stdout === 'none' ? null : Buffer.from(stdout, 'hex');
    },
    remove,
  };
}
