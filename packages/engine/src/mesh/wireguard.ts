/**
 * The WireGuard adapter: one interface per server, its peers replaced as a whole, its state read
 * back. The kernel module is used where it exists; elsewhere wireguard-go, supervised by PID.
 * Every command is an argument array of checked values; nothing here reads the private key.
 */
import type { MeshPeer } from '@berth/core';
import { parseWgDump, type WireGuardStatus } from './dump.js';
import { planPeerArgs } from './peer-args.js';
import { runCommand, succeeds, type WireGuardTools } from './tools.js';
import { startWireGuardGo, stopWireGuardGo, type UserspaceDevice } from './userspace.js';
import { checkAbsolutePath, checkInterfaceAddress, checkInterfaceName, checkListenPort } from './values.js';

export interface WireGuardOptions {
  tools: WireGuardTools;
  /** A network namespace under /run/netns to work in (tests, one per simulated server); default the host's. */
  netns?: string | null;
  /** A private directory for wireguard-go's log files. */
  runDir: string;
  /** Told when a wireguard-go process started here exits without removeInterface asking it to. */
  onUnexpectedExit?: (name: string, code: number | null, signal: NodeJS.Signals | null) => void;
}

export interface InterfaceSpec {
  name: string;
  privateKeyFile: string;
  listenPort: number;
  /** This server's mesh address with the mesh subnet's prefix length, e.g. 10.210.0.1/16. */
  address: string;
}

/** How the interface is driven: the kernel, or a wireguard-go process (PID null when an earlier agent started it). */
export type InterfaceKind = { kind: 'kernel' } | { kind: 'userspace'; pid: number | null };

export interface WireGuard {
  /** Makes the interface exist, with this key, port and address, and up. Idempotent. */
  ensureInterface(spec: InterfaceSpec): Promise<InterfaceKind>;
  /** Makes the interface's peers exactly `peers` (added, changed, removed). Idempotent. */
  setPeers(name: string, peers: readonly MeshPeer[]): Promise<void>;
  /** Removes the interface (and stops its wireguard-go); one that does not exist is not an error. */
  removeInterface(name: string): Promise<void>;
  /** The interface's public key, port and peers with their latest handshakes; null when it does not exist. */
  status(name: string): Promise<WireGuardStatus | null>;
}

export function createWireGuard(options: WireGuardOptions): WireGuard {
  const { tools } = options;
  const netns = options.netns ?? null;
  const runDir = checkAbsolutePath(options.runDir);
  const devices = new Map<string, UserspaceDevice>();
  const stopping = new Set<string>();

  const ip = (args: string[], what: string) => runCommand(tools, netns, tools.ip, args, what);
  const wg = (args: string[], what: string) => runCommand(tools, netns, tools.wg, args, what);
  const linkExists = (name: string) => succeeds(tools, netns, tools.ip, ['link', 'show', 'dev', name]);
  const deviceAnswers = (name: string) => succeeds(tools, netns, tools.wg, ['show', name, 'public-key']);

  async function createDevice(name: string): Promise<InterfaceKind> {
    if (await succeeds(tools, netns, tools.ip, ['link', 'add', 'dev', name, 'type', 'wireguard'])) {
      return { kind: 'kernel' };
    }
    const device = await startWireGuardGo(tools, netns, name, runDir);
    devices.set(name, device);
    device.child.once('exit', (code, signal) => {
      if (devices.get(name) === device) devices.delete(name);
      if (!stopping.has(name)) options.onUnexpectedExit?.(name, code, signal);
    });
    return { kind: 'userspace', pid: device.pid };
  }

  async function existingKind(name: string): Promise<InterfaceKind> {
    const device = devices.get(name);
    if (device) return { kind: 'userspace', pid: device.pid };
    const details = await ip(['-details', 'link', 'show', 'dev', name], `Reading interface ${name}`);
    return /\bwireguard\b/.test(details.stdout) ? { kind: 'kernel' } : { kind: 'userspace', pid: null };
  }

  /** Keeps only `address` among the interface's IPv4 addresses (a changed mesh address replaces the old one). */
  async function setAddress(name: string, address: string): Promise<void> {
    const shown = await ip(['-o', '-4', 'address', 'show', 'dev', name], `Reading the addresses of ${name}`);
    for (const match of shown.stdout.matchAll(/\sinet\s(\S+)\s/g)) {
      const old = match[1];
      if (old && old !== address)
        await ip(['address', 'del', old, 'dev', name], `Removing ${old} from ${name}`);
    }
    await ip(['address', 'replace', address, 'dev', name], `Setting the address of ${name}`);
  }

  async function removeInterface(rawName: string): Promise<void> {
    const name = checkInterfaceName(rawName);
    stopping.add(name);
    try {
      if (await linkExists(name)) await ip(['link', 'del', 'dev', name], `Removing interface ${name}`);
      // wireguard-go exits by itself once its TUN device is gone; stop it by PID if it does not.
      const device = devices.get(name);
      if (device) await stopWireGuardGo(device);
      devices.delete(name);
    } finally {
      stopping.delete(name);
    }
  }

  return {
    async ensureInterface(spec) {
      const name = checkInterfaceName(spec.name);
      const keyFile = checkAbsolutePath(spec.privateKeyFile);
      const port = String(checkListenPort(spec.listenPort));
      const address = checkInterfaceAddress(spec.address);
      let kind: InterfaceKind;
      if ((await linkExists(name)) && (await deviceAnswers(name))) kind = await existingKind(name);
      else {
        // A link nobody drives (its wireguard-go died): start again from nothing.
        await removeInterface(name);
        kind = await createDevice(name);
      }
      await wg(['set', name, 'private-key', keyFile, 'listen-port', port], `Configuring ${name}`);
      await setAddress(name, address);
      await ip(['link', 'set', 'dev', name, 'up'], `Bringing ${name} up`);
      return kind;
    },

    async setPeers(rawName, peers) {
      const name = checkInterfaceName(rawName);
      const current = await wg(['show', name, 'peers'], `Reading the peers of ${name}`);
      const keys = current.stdout.split('\n').filter((line) => line.length > 0);
      await wg(planPeerArgs(name, keys, peers), `Setting the peers of ${name}`);
    },

    removeInterface,

    async status(rawName) {
      const name = checkInterfaceName(rawName);
      if (!(await linkExists(name))) return null;
      return parseWgDump((await wg(['show', name, 'dump'], `Reading the state of ${name}`)).stdout);
    },
  };
}
