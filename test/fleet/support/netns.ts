/**
 * The fleet's network: a private bridge in the root namespace (`bf<id>`, the subnet's .254) and
 * one network namespace per server (`berth-f<id>-s<n>`, the subnet's .n) joined to it by a veth
 * pair, with no default route. An nft table drops whatever arrives from the bridge for anything
 * but the bridge's subnet (and all IPv6), so a server that gains a route still cannot leave.
 * Every name derives from the fleet id, which is how a crashed run's leftovers are found.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { mustRun, runCommand } from './command.js';

/** Short enough that `bf<id>s<n>` fits an interface name (15 characters). */
export const FLEET_ID_PATTERN = /^[a-z0-9]{1,6}$/;

export interface FleetNames {
  id: string;
  bridge: string;
  nftTable: string;
  netnsPrefix: string;
  netns(n: number): string;
  hostVeth(n: number): string;
  /**
   * The server's WireGuard interface: wireguard-go's control socket
   * (/var/run/wireguard/NAME.sock) is one per machine, whatever the namespace.
   */
  meshInterface(n: number): string;
}

export function fleetNames(id: string): FleetNames {
  if (!FLEET_ID_PATTERN.test(id)) throw new Error(`fleet id must match ${FLEET_ID_PATTERN}, got ${id}`);
  const netnsPrefix = `berth-f${id}-s`;
  return {
    id,
    bridge: `bf${id}`,
    nftTable: `berth_fleet_${id}`,
    netnsPrefix,
    netns: (n) => `${netnsPrefix}${n}`,
    hostVeth: (n) => `bf${id}s${n}`,
    meshInterface: (n) => `bm${id}s${n}`,
  };
}

/** A /24 given as `a.b.c.0/24`; servers get .1, .2, … and the root namespace .254. */
export interface FleetSubnet {
  cidr: string;
  prefix: string;
  bridgeIp: string;
  serverIp(n: number): string;
}

export function parseSubnet(cidr: string): FleetSubnet {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.0\/24$/.exec(cidr);
  if (m === null || m.slice(1).some((o) => Number(o) > 255)) {
    throw new Error(`the fleet subnet must be a /24 like 10.99.0.0/24, got ${cidr}`);
  }
  const prefix = `${m[1]}.${m[2]}.${m[3]}`;
  return {
    cidr,
    prefix,
    bridgeIp: `${prefix}.254`,
    serverIp: (n) => {
      if (!Number.isInteger(n) || n < 1 || n > 253) throw new Error(`server number out of range: ${n}`);
      return `${prefix}.${n}`;
    },
  };
}

const toInt = (ip: string): number => ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);

function overlaps(a: string, b: string): boolean {
  const [aIp = '', aLen = '32'] = a.split('/');
  const [bIp = '', bLen = '32'] = b.split('/');
  const len = Math.min(Number(aLen), Number(bLen));
  const shift = 2 ** (32 - len);
  return Math.floor(toInt(aIp) / shift) === Math.floor(toInt(bIp) / shift);
}

/** Refuses a subnet something else on this machine already routes (another fleet, a VPN, …). */
export async function assertSubnetFree(subnet: FleetSubnet, ownBridge: string): Promise<void> {
  const routes = await mustRun('ip', ['-4', '-o', 'route', 'show', 'table', 'all']);
  for (const line of routes.split('\n')) {
    const [dst, ...rest] = line.trim().split(/\s+/);
    if (dst === undefined || !/^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(dst)) continue;
    const dev = rest[rest.indexOf('dev') + 1];
    if (dev === ownBridge) continue;
    // Routes wider than a /16 (a host's default-ish routes) are not a clash for a private /24.
    if (Number(dst.split('/')[1] ?? '32') < 16) continue;
    if (overlaps(dst, subnet.cidr)) {
      throw new Error(
        `the fleet subnet ${subnet.cidr} clashes with the route "${line.trim()}"; pass another subnet to startFleet`,
      );
    }
  }
}

export async function createBridge(names: FleetNames, subnet: FleetSubnet): Promise<void> {
  await mustRun('ip', ['link', 'add', names.bridge, 'type', 'bridge']);
  await mustRun('ip', ['addr', 'add', `${subnet.bridgeIp}/24`, 'dev', names.bridge]);
  await mustRun('ip', ['link', 'set', names.bridge, 'up']);
}

/** A namespace with loopback and eth0 (its address on the bridge) up, and no default route. */
export async function addServerNetns(names: FleetNames, n: number, subnet: FleetSubnet): Promise<void> {
  const ns = names.netns(n);
  const veth = names.hostVeth(n);
  await mustRun('ip', ['netns', 'add', ns]);
  await mustRun('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
  await mustRun('ip', ['link', 'set', veth, 'master', names.bridge, 'up']);
  await mustRun('ip', ['-n', ns, 'addr', 'add', `${subnet.serverIp(n)}/24`, 'dev', 'eth0']);
  await mustRun('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
  await mustRun('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
}

/** Down cuts the server off the bridge (a partition, or a dead host's silence); up heals it. */
export async function setServerLink(names: FleetNames, n: number, state: 'up' | 'down'): Promise<void> {
  await mustRun('ip', ['link', 'set', names.hostVeth(n), state]);
}

export function containmentRules(names: FleetNames, subnet: FleetSubnet): string {
  const fromBridge = `iifname "${names.bridge}"`;
  const drops = [`${fromBridge} meta nfproto ipv6 drop`, `${fromBridge} ip daddr != ${subnet.cidr} drop`];
  return [
    `table inet ${names.nftTable} {`,
    `  chain input {`,
    `    type filter hook input priority filter - 10; policy accept;`,
    ...drops.map((r) => `    ${r}`),
    `  }`,
    `  chain forward {`,
    `    type filter hook forward priority filter - 10; policy accept;`,
    ...drops.map((r) => `    ${r}`),
    // Nor does anything from elsewhere (other containers of this machine) get in.
    `    oifname "${names.bridge}" ip saddr != ${subnet.cidr} drop`,
    `  }`,
    `}`,
    '',
  ].join('\n');
}

export async function applyContainment(names: FleetNames, subnet: FleetSubnet): Promise<void> {
  await mustRun('nft', ['-f', '-'], { input: containmentRules(names, subnet) });
}

export interface NetworkLeftovers {
  netns: string[];
  bridge: boolean;
  nftTable: boolean;
}

export async function findNetworkLeftovers(names: FleetNames): Promise<NetworkLeftovers> {
  const list = await mustRun('ip', ['netns', 'list']);
  const netns = list
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(names.netnsPrefix));
  const bridge = (await runCommand('ip', ['link', 'show', 'dev', names.bridge])).code === 0;
  const nftTable = (await runCommand('nft', ['list', 'table', 'inet', names.nftTable])).code === 0;
  return { netns, bridge, nftTable };
}

/** Removes every namespace, the bridge and the nft table of this fleet id; missing ones are fine. */
export async function removeNetwork(names: FleetNames): Promise<void> {
  const left = await findNetworkLeftovers(names);
  for (const ns of left.netns) await mustRun('ip', ['netns', 'del', ns]);
  if (left.bridge) await mustRun('ip', ['link', 'del', names.bridge]);
  if (left.nftTable) await mustRun('nft', ['delete', 'table', 'inet', names.nftTable]);
  // What a killed wireguard-go leaves (its interface went with the namespace).
  const sockets = await readdir(WIREGUARD_SOCKET_DIR).catch(() => []);
  for (const file of sockets.filter((f) => f.startsWith(`bm${names.id}s`) && f.endsWith('.sock')))
    await rm(join(WIREGUARD_SOCKET_DIR, file), { force: true });
}

const WIREGUARD_SOCKET_DIR = '/var/run/wireguard';
