/**
 * Several "servers" on this one machine (TESTBED.md "Several servers on one machine"): a
 * private bridge with the root namespace on .254 (where berthd listens), one network namespace,
 * freezer group and Podman service per server, and an nft table that keeps it all on the
 * bridge. Set up once per test file (useFleet) and shared by its scenarios.
 *
 * Everything is named after the fleet id, and stop() removes by name, not by memory: it is
 * idempotent, and the next start with the same id removes what a crashed run left (unless that
 * run's process is still alive, which is refused).
 */
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  FREEZER_ROOT,
  FreezerGroup,
  assertFreezerAvailable,
  cgroupsNamed,
  removeCgroupTree,
} from './freezer.js';
import {
  addServerNetns,
  applyContainment,
  assertSubnetFree,
  createBridge,
  findNetworkLeftovers,
  fleetNames,
  parseSubnet,
  removeNetwork,
  type FleetNames,
  type FleetSubnet,
} from './netns.js';
import {
  hostHasImage,
  mountsUnder,
  podmanHostPaths,
  preparePodmanHost,
  pushImageInto,
  unmountAllUnder,
} from './podman-host.js';
import { FleetServer } from './server.js';

export interface FleetOptions {
  /** 1–6 lowercase letters or digits; names the bridge, namespaces, cgroups, table and dir. */
  id: string;
  servers: number;
  /** A /24 nothing else routes; the root namespace takes .254. */
  subnet?: string;
}

export const DEFAULT_FLEET_SUBNET = '10.99.0.0/24';

export const fleetDir = (id: string): string => join('/var/tmp', `berth-fleet-${id}`);
const fleetCgroupName = (id: string): string => `berth-fleet-${id}`;
const fleetGroupPath = (id: string): string => join(FREEZER_ROOT, fleetCgroupName(id));
const OWNER_FILE = 'owner.pid';

export class Fleet {
  /** Milliseconds start-up took (network, cgroups, Podman services). */
  setupMs = 0;
  /** Milliseconds spent copying images into the servers' stores, all seedImage calls together. */
  seedMs = 0;
  private readonly seeded = new Map<string, Promise<void>>();
  private stopping: Promise<void> | null = null;

  constructor(
    readonly names: FleetNames,
    readonly subnet: FleetSubnet,
    readonly dir: string,
    readonly servers: readonly FleetServer[],
  ) {}

  get id(): string {
    return this.names.id;
  }

  /** The root namespace's address on the bridge: where berthd listens for agents. */
  get controlIp(): string {
    return this.subnet.bridgeIp;
  }

  server(n: number): FleetServer {
    const s = this.servers[n - 1];
    if (s === undefined) throw new Error(`fleet ${this.id} has no server ${n}`);
    return s;
  }

  /**
   * Copies an image from the host's store into the storage of the servers numbered `on` (every
   * server by default); once per ref, servers and fleet. Build it on the host first (e.g.
   * ensureExampleImages for localhost/hello:1).
   */
  seedImage(ref: string, on: readonly number[] = this.servers.map((s) => s.n)): Promise<void> {
    const key = `${ref} ${on.join(',')}`;
    let done = this.seeded.get(key);
    if (done === undefined) {
      done = (async () => {
        const started = Date.now();
        if (!(await hostHasImage(ref))) throw new Error(`seedImage: ${ref} is not in the host's image store`);
        await Promise.all(on.map((n) => pushImageInto(this.server(n).podman, ref)));
        this.seedMs += Date.now() - started;
      })();
      done.catch(() => this.seeded.delete(key));
      this.seeded.set(key, done);
    }
    return done;
  }

  /** Kills what the fleet started and removes everything it made; safe to call again. */
  stop(): Promise<void> {
    this.stopping ??= tearDownFleet(this.names, this.servers);
    return this.stopping;
  }
}

export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const started = Date.now();
  const names = fleetNames(options.id);
  const subnet = parseSubnet(options.subnet ?? DEFAULT_FLEET_SUBNET);
  if (!Number.isInteger(options.servers) || options.servers < 1 || options.servers > 99) {
    throw new Error(`a fleet has 1 to 99 servers, not ${options.servers}`);
  }
  if (process.getuid?.() !== 0) throw new Error('the fleet harness needs root (namespaces, nft, cgroups)');
  await assertFreezerAvailable();
  await reclaimLeftovers(names);
  await assertSubnetFree(subnet, names.bridge);

  const dir = fleetDir(names.id);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, OWNER_FILE), `${process.pid}\n`);
  const servers: FleetServer[] = [];
  try {
    await createBridge(names, subnet);
    await applyContainment(names, subnet);
    for (let n = 1; n <= options.servers; n++) {
      const group = await FreezerGroup.create(join(fleetGroupPath(names.id), `s${n}`));
      const paths = podmanHostPaths(join(dir, `s${n}`));
      await preparePodmanHost(paths, `/${fleetCgroupName(names.id)}/s${n}`);
      await addServerNetns(names, n, subnet);
      servers.push(new FleetServer(n, subnet.serverIp(n), names, group, paths));
    }
    await Promise.all(servers.map((s) => s.startEngine()));
  } catch (err) {
    await tearDownFleet(names).catch(() => undefined);
    throw err;
  }
  const fleet = new Fleet(names, subnet, dir, servers);
  fleet.setupMs = Date.now() - started;
  return fleet;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A crashed run's fleet of the same id is removed; one whose test process still runs is refused. */
async function reclaimLeftovers(names: FleetNames): Promise<void> {
  const owner = Number((await readFile(join(fleetDir(names.id), OWNER_FILE), 'utf8').catch(() => '')).trim());
  if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && pidAlive(owner)) {
    throw new Error(`fleet ${names.id} is in use by process ${owner}; pick another fleet id`);
  }
  await tearDownFleet(names);
}

/** Server numbers that left anything behind: a directory, a namespace or a freezer group. */
async function leftoverServerNumbers(names: FleetNames): Promise<number[]> {
  const found = new Set<number>();
  const collect = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir).catch(() => [])) {
      const m = /^s(\d+)$/.exec(entry);
      if (m) found.add(Number(m[1]));
    }
  };
  await collect(fleetDir(names.id));
  await collect(fleetGroupPath(names.id));
  const netns = await readdir('/run/netns').catch(() => []);
  for (const ns of netns) {
    if (ns.startsWith(names.netnsPrefix)) found.add(Number(ns.slice(names.netnsPrefix.length)));
  }
  return [...found].filter((n) => Number.isInteger(n) && n > 0).sort((a, b) => a - b);
}

/**
 * Everything of fleet `names.id`, found by name: processes, containers, mounts, cgroups,
 * network, directory. `known` are the live run's servers (their child processes are awaited).
 */
export async function tearDownFleet(names: FleetNames, known: readonly FleetServer[] = []): Promise<void> {
  const dir = fleetDir(names.id);
  const servers = (await leftoverServerNumbers(names)).map((n) => {
    const group = new FreezerGroup(join(fleetGroupPath(names.id), `s${n}`));
    // A crashed run's server: its address does not matter for tearing it down.
    return (
      known.find((s) => s.n === n) ??
      new FleetServer(n, '', names, group, podmanHostPaths(join(dir, `s${n}`)))
    );
  });
  await Promise.all(servers.map(async (s) => ((await s.group.exists()) ? s.tearDown() : undefined)));
  await unmountAllUnder(dir);
  for (const path of await cgroupsNamed(fleetCgroupName(names.id))) await removeCgroupTree(path);
  await removeNetwork(names);
  await rm(dir, { recursive: true, force: true });
}

export interface FleetLeftovers {
  netns: string[];
  bridge: boolean;
  nftTable: boolean;
  cgroups: string[];
  dir: boolean;
  mounts: string[];
}

/** What of fleet `id` exists on this machine: all empty/false after stop(). */
export async function findFleetLeftovers(id: string): Promise<FleetLeftovers> {
  const names = fleetNames(id);
  const dir = fleetDir(id);
  return {
    ...(await findNetworkLeftovers(names)),
    cgroups: await cgroupsNamed(fleetCgroupName(id)),
    dir: await stat(dir).then(
      () => true,
      () => false,
    ),
    mounts: await mountsUnder(dir),
  };
}
