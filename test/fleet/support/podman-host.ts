/**
 * Each fleet server's own Podman: storage, runroot, tmpdir, CNI config and a containers.conf
 * under the server's directory, and a `podman system service` on D/podman.sock started inside
 * the server's namespace and cgroup (harness.ts starts it through FleetServer.spawn).
 *
 * Containers must land in the server's cgroup so that freezing or killing the server reaches
 * them too. Podman 4.3's containers.conf has no `cgroup_parent`, and the agent under test
 * should not need to know it runs in a harness, so instead:
 * - `cgroups = "no-conmon"` keeps conmon in the service's cgroup (the server's), and
 * - an OCI prestart hook (hooks_dir, per server) moves each container's first process into the
 *   server's freezer group before the container's own process starts; all it forks follows.
 * A Docker-API `HostConfig.CgroupParent` keeps working too (the hook then moves the process
 * from the sub-group up into the server's group).
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mustRun, runCommand, type CommandOptions, type CommandResult } from './command.js';

/** What containers of every fleet server get (TESTBED.md "Podman"). */
const CONTAINERS_CONF = (dir: string): string =>
  [
    '# Written by the fleet test harness for this server only.',
    '[containers]',
    'log_driver = "k8s-file"',
    'default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]',
    'cgroups = "no-conmon"',
    '',
    '[network]',
    // Networks an agent creates stay this server's, not the machine's /etc/cni/net.d.
    `network_config_dir = ${JSON.stringify(join(dir, 'cni'))}`,
    '',
    '[engine]',
    'runtime = "runc"',
    'cgroup_manager = "cgroupfs"',
    'lock_type = "file"',
    `hooks_dir = [${JSON.stringify(join(dir, 'hooks'))}]`,
    '',
  ].join('\n');

const JOIN_CGROUP_HOOK = `#!/bin/sh
# OCI prestart hook of the fleet test harness: moves the container's first process into the
# server's freezer group ($1 is its cgroup.procs); the container state (JSON) is on stdin.
pid=$(sed -n 's/.*"pid":\\([0-9][0-9]*\\).*/\\1/p')
if [ -z "$pid" ]; then echo "fleet hook: no pid in the container state" >&2; exit 1; fi
echo "$pid" > "$1"
`;

/** The engine flags the host's own Podman needs here (see scripts/build-example-images.sh). */
const HOST_PODMAN = ['--runtime', 'runc', '--cgroup-manager', 'cgroupfs'];

export interface PodmanHostPaths {
  dir: string;
  storage: string;
  runroot: string;
  tmpdir: string;
  containersConf: string;
  socket: string;
  log: string;
}

export function podmanHostPaths(dir: string): PodmanHostPaths {
  return {
    dir,
    storage: join(dir, 'storage'),
    runroot: join(dir, 'run'),
    tmpdir: join(dir, 'tmp'),
    containersConf: join(dir, 'containers.conf'),
    socket: join(dir, 'podman.sock'),
    log: join(dir, 'podman.log'),
  };
}

/** Writes the hook script once per fleet (it is the same for every server). */
export async function writeJoinCgroupHook(fleetDir: string): Promise<string> {
  const path = join(fleetDir, 'join-cgroup.sh');
  await writeFile(path, JOIN_CGROUP_HOOK);
  await chmod(path, 0o755);
  return path;
}

/** Creates a server's Podman directories, its containers.conf and its hook config. */
export async function preparePodmanHost(
  paths: PodmanHostPaths,
  hookScript: string,
  cgroupProcsFile: string,
): Promise<void> {
  for (const d of [
    paths.storage,
    paths.runroot,
    paths.tmpdir,
    join(paths.dir, 'cni'),
    join(paths.dir, 'hooks'),
  ]) {
    await mkdir(d, { recursive: true });
  }
  await writeFile(paths.containersConf, CONTAINERS_CONF(paths.dir));
  const hook = {
    version: '1.0.0',
    hook: { path: hookScript, args: ['join-cgroup.sh', cgroupProcsFile] },
    when: { always: true },
    stages: ['prestart'],
  };
  await writeFile(join(paths.dir, 'hooks', 'fleet-cgroup.json'), JSON.stringify(hook, null, 2));
}

/** `podman` global flags that select this server's storage. */
export function podmanArgs(paths: PodmanHostPaths, args: readonly string[]): string[] {
  return ['--root', paths.storage, '--runroot', paths.runroot, '--tmpdir', paths.tmpdir, ...args];
}

export const podmanEnv = (paths: PodmanHostPaths): Record<string, string> => ({
  CONTAINERS_CONF: paths.containersConf,
});

export function serviceArgs(paths: PodmanHostPaths): string[] {
  return podmanArgs(paths, ['system', 'service', '--time=0', `unix://${paths.socket}`]);
}

/** Copies `ref` from the host's image store into the server's (no registry, no network). */
export async function pushImageInto(paths: PodmanHostPaths, ref: string): Promise<void> {
  const dest = `containers-storage:[overlay@${paths.storage}+${paths.runroot}]${ref}`;
  await mustRun('podman', [...HOST_PODMAN, 'push', '--quiet', ref, dest], { timeoutMs: 120_000 });
}

export async function hostHasImage(ref: string): Promise<boolean> {
  return (await runCommand('podman', [...HOST_PODMAN, 'image', 'exists', ref])).code === 0;
}

/** How the harness runs a command as this server (inside its namespace and cgroup). */
export type ServerExec = (
  cmd: string,
  args: readonly string[],
  options?: CommandOptions,
) => Promise<CommandResult>;

/**
 * Removes every container of a server whose processes are already dead (after kill or at
 * stop), the way TESTBED.md says works after a hard kill: `rm -af` (twice if one is still
 * reported), then `runc delete --force` for the runtime's own state. Runs inside the server's
 * namespace so CNI tears down the server's networks, not the root namespace's.
 */
export async function removeDeadContainers(paths: PodmanHostPaths, exec: ServerExec): Promise<void> {
  const opts = { env: podmanEnv(paths), timeoutMs: 60_000 };
  const list = await exec('podman', podmanArgs(paths, ['ps', '-aq', '--no-trunc']), opts);
  const ids = list.stdout.split('\n').filter((l) => /^[0-9a-f]{64}$/.test(l));
  if (ids.length === 0) return;
  for (let attempt = 0; attempt < 2; attempt++) {
    await exec('podman', podmanArgs(paths, ['rm', '-af', '-t0']), opts);
    const left = await exec('podman', podmanArgs(paths, ['ps', '-aq']), opts);
    if (left.stdout.trim() === '') break;
  }
  for (const id of ids) await runCommand('runc', ['delete', '--force', id]);
}

/** Mount points at or below `dir` (overlay layers, shm), deepest first. */
export async function mountsUnder(dir: string): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  return info
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((mp) => mp === dir || mp.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

export async function unmountAllUnder(dir: string): Promise<void> {
  for (const mp of await mountsUnder(dir)) {
    const r = await runCommand('umount', [mp]);
    if (r.code !== 0) await mustRun('umount', ['-l', mp]);
  }
}
