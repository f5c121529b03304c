/**
 * Each fleet server's own Podman: storage, runroot, tmpdir, CNI config and a containers.conf
 * under the server's directory, and a `podman system service` on D/podman.sock started inside
 * the server's namespace and cgroup (harness.ts starts it through FleetServer.spawn).
 *
 * Containers must land in the server's cgroup so that freezing or killing the server reaches
 * them too. Podman 4.3's containers.conf has no `cgroup_parent`, and the agent under test
 * should not need to know it runs in a harness, so instead:
 * - `cgroups = "no-conmon"` keeps conmon in the service's cgroup (the server's), and
 * - the server's OCI runtime is a wrapper around runc that moves a container's cgroups from
 *   Podman's /libpod_parent to under the server's group, as `HostConfig.CgroupParent` would
 *   (one given explicitly is left alone). runc then owns them as usual: `podman pause`,
 *   limits, `kill --all` and `delete` work on the container's real cgroup.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findExecutable } from '@berth/io';
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
    '',
    '[engine.runtimes]',
    // Same name, so Podman keeps treating it as runc.
    `runc = [${JSON.stringify(join(dir, 'runc'))}]`,
    '',
  ].join('\n');

/** `parent` is the server's cgroup path (`/berth-fleet-<id>/s<n>`), `runc` the real one. */
const RUNTIME_WRAPPER = (parent: string, runc: string): string => `#!/bin/sh
# OCI runtime of a fleet test server: runc, but a container Podman would put in /libpod_parent
# gets its cgroups under the server's (${parent}) instead, as HostConfig.CgroupParent would.
bundle=''
prev=''
for arg in "$@"; do
  case "$prev" in --bundle|-b) bundle="$arg" ;; esac
  case "$arg" in --bundle=*) bundle="\${arg#--bundle=}" ;; esac
  prev="$arg"
done
if [ -n "$bundle" ]; then
  sed -i 's#"cgroupsPath":"/libpod_parent/#"cgroupsPath":"${parent}/#' "$bundle/config.json"
  if grep -q '"cgroupsPath":"/libpod_parent/' "$bundle/config.json"; then
    echo "fleet runtime: could not move the container's cgroup under ${parent}" >&2
    exit 1
  fi
fi
exec ${runc} "$@"
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

const CGROUP_PATH = /^(\/[a-z0-9-]+)+$/;

/**
 * Creates a server's Podman directories, its containers.conf and its runtime wrapper, which
 * puts containers under `cgroupParent` (the server's group, relative to each hierarchy's root).
 */
export async function preparePodmanHost(paths: PodmanHostPaths, cgroupParent: string): Promise<void> {
  if (!CGROUP_PATH.test(cgroupParent)) throw new Error(`not a cgroup path: ${cgroupParent}`);
  for (const d of [paths.storage, paths.runroot, paths.tmpdir, join(paths.dir, 'cni')]) {
    await mkdir(d, { recursive: true });
  }
  await writeFile(paths.containersConf, CONTAINERS_CONF(paths.dir));
  const runc = await findExecutable('runc', process.env.PATH ?? '', ['/usr/sbin', '/usr/bin']);
  if (runc === null) throw new Error('runc is not installed (scripts/install-system-deps.sh installs it)');
  await writeFile(join(paths.dir, 'runc'), RUNTIME_WRAPPER(cgroupParent, runc));
  await chmod(join(paths.dir, 'runc'), 0o755);
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
