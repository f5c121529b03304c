/**
 * Reads the facts planPodmanHostConfig decides on. The parsers are pure and exported for tests;
 * readPodmanHostFacts does the I/O.
 */
import { access, constants, readFile } from 'node:fs/promises';
import type { CgroupLayout, PodmanHostFacts } from './host-config.js';

/**
 * Where Podman itself looks for OCI runtimes (containers.conf `runtimes`), not $PATH: a runtime
 * found only through PATH would not be used by Podman anyway.
 */
export const RUNTIME_DIRS = [
  '/usr/local/bin',
  '/usr/local/sbin',
  '/usr/bin',
  '/usr/sbin',
  '/bin',
  '/sbin',
  '/usr/lib/cri-o-runc/sbin',
];

/** The cgroup layout from /proc/self/mounts (`device mountpoint fstype options …` per line). */
export function toCgroupLayout(mounts: string): CgroupLayout {
  let v1 = false;
  let v2Root = false;
  let v2Elsewhere = false;
  for (const line of mounts.split('\n')) {
    const [, mountPoint, fsType] = line.split(' ');
    if (mountPoint === undefined || !mountPoint.startsWith('/sys/fs/cgroup')) continue;
    if (fsType === 'cgroup2') {
      if (mountPoint === '/sys/fs/cgroup') v2Root = true;
      else v2Elsewhere = true;
    } else if (fsType === 'cgroup') {
      v1 = true;
    }
  }
  if (v2Root) return 'v2';
  if (v1 && v2Elsewhere) return 'hybrid';
  if (v1) return 'v1';
  return v2Elsewhere ? 'v2' : 'none';
}

/** Hard limits from /proc/self/limits; null for `unlimited` or a missing row. */
export function toHardLimits(limits: string): PodmanHostFacts['hardLimits'] {
  const hard = (label: string): number | null => {
    const line = limits.split('\n').find((l) => l.startsWith(label));
    if (line === undefined) return null;
    // Columns: name (with spaces), soft, hard, units.
    const fields = line.slice(label.length).trim().split(/\s+/);
    const value = fields[1];
    if (value === undefined || value === 'unlimited') return null;
    const n = Number(value);
    return Number.isInteger(n) && n >= 0 ? n : null;
  };
  return { nofile: hard('Max open files'), nproc: hard('Max processes') };
}

async function exists(path: string, mode: number = constants.F_OK): Promise<boolean> {
  try {
    await access(path, mode);
    return true;
  } catch {
    return false;
  }
}

async function findExecutable(name: string, dirs: readonly string[]): Promise<boolean> {
  for (const dir of dirs) {
    if (await exists(`${dir}/${name}`, constants.X_OK)) return true;
  }
  return false;
}

async function readOr(path: string, fallback: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return fallback;
  }
}

export async function readPodmanHostFacts(
  options: { runtimeDirs?: readonly string[] } = {},
): Promise<PodmanHostFacts> {
  const dirs = options.runtimeDirs ?? RUNTIME_DIRS;
  const [mounts, limits, systemdRunning, runc, crun] = await Promise.all([
    readOr('/proc/self/mounts', ''),
    readOr('/proc/self/limits', ''),
    exists('/run/systemd/system'),
    findExecutable('runc', dirs),
    findExecutable('crun', dirs),
  ]);
  return {
    cgroup: toCgroupLayout(mounts),
    systemdRunning,
    runtimes: { runc, crun },
    hardLimits: toHardLimits(limits),
  };
}
