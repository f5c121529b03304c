/**
 * A server's cgroup in the cgroup-v1 freezer hierarchy (this machine mixes v1 and v2, and the
 * v1 freezer is the one that works here: TESTBED.md). Every process of a server — the ones the
 * harness starts, their children, Podman's conmon and the containers (in sub-groups, see
 * podman-host.ts) — lives in it, so freezing it hangs the whole host (TCP hangs, the
 * kernel still answers ARP) and killing its members kills the host, containers included.
 * The v1 freezer is hierarchical: freezing a group freezes its sub-groups.
 */
import { readdir, readFile, rmdir, stat, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const CGROUP_ROOT = '/sys/fs/cgroup';
export const FREEZER_ROOT = join(CGROUP_ROOT, 'freezer');

export async function assertFreezerAvailable(): Promise<void> {
  const ok = await stat(join(FREEZER_ROOT, 'cgroup.procs')).then(
    () => true,
    () => false,
  );
  if (!ok) {
    throw new Error(
      `the fleet harness needs the cgroup-v1 freezer at ${FREEZER_ROOT} (this host has none; cgroup v2's cgroup.freeze is not supported yet)`,
    );
  }
}

export class FreezerGroup {
  /** `path` is the group's directory under the freezer hierarchy. */
  constructor(readonly path: string) {}

  static async create(path: string): Promise<FreezerGroup> {
    await mkdir(path, { recursive: true });
    return new FreezerGroup(path);
  }

  /** The file a process writes its pid to in order to join the group. */
  get procsFile(): string {
    return join(this.path, 'cgroup.procs');
  }

  async exists(): Promise<boolean> {
    return stat(this.path).then(
      () => true,
      () => false,
    );
  }

  /** Every pid in the group and its sub-groups. */
  async pids(): Promise<number[]> {
    const out: number[] = [];
    for (const dir of await this.dirs()) {
      const text = await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
      for (const line of text.split('\n')) if (line.trim() !== '') out.push(Number(line));
    }
    return out;
  }

  async state(): Promise<string> {
    return (await readFile(join(this.path, 'freezer.state'), 'utf8')).trim();
  }

  /** Resolves once every task has stopped (FREEZING becomes FROZEN). */
  async freeze(): Promise<void> {
    await this.setState('FROZEN');
  }

  async thaw(): Promise<void> {
    await this.setState('THAWED');
  }

  /**
   * A dead host: frozen first so nothing forks or reacts mid-kill, SIGKILL to every member,
   * thawed so the signals land, then waits until the group is empty.
   */
  async killAll(): Promise<void> {
    if (!(await this.exists())) return;
    await this.freeze();
    for (const pid of await this.pids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    await this.thaw();
    const deadline = Date.now() + 10_000;
    while ((await this.pids()).length > 0) {
      if (Date.now() > deadline)
        throw new Error(`processes left in ${this.path}: ${(await this.pids()).join(' ')}`);
      await sleep(20);
    }
  }

  /** Removes the (empty) group and its sub-groups. */
  async remove(): Promise<void> {
    await removeCgroupTree(this.path);
  }

  private async setState(want: 'FROZEN' | 'THAWED'): Promise<void> {
    await writeFile(join(this.path, 'freezer.state'), want);
    const deadline = Date.now() + 10_000;
    while ((await this.state()) !== want) {
      if (Date.now() > deadline) throw new Error(`${this.path} did not become ${want}`);
      await writeFile(join(this.path, 'freezer.state'), want);
      await sleep(5);
    }
  }

  private dirs(): Promise<string[]> {
    return cgroupTree(this.path);
  }
}

/** A cgroup directory and all below it, parents before children; empty when it does not exist. */
async function cgroupTree(path: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    out.push(dir);
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) if (e.isDirectory()) await walk(join(dir, e.name));
  };
  if (
    await stat(path).then(
      () => true,
      () => false,
    )
  )
    await walk(path);
  return out;
}

/** Removes an empty cgroup and its sub-groups, deepest first (rmdir is how cgroups go). */
export async function removeCgroupTree(path: string): Promise<void> {
  for (const dir of (await cgroupTree(path)).reverse()) await rmdir(dir);
}

/**
 * Where `name` exists at the top of any cgroup hierarchy: Podman creates a container's
 * CgroupParent in every controller, not just the freezer.
 */
export async function cgroupsNamed(name: string): Promise<string[]> {
  const out: string[] = [];
  for (const hierarchy of await readdir(CGROUP_ROOT).catch(() => [])) {
    const path = join(CGROUP_ROOT, hierarchy, name);
    if (
      await stat(path).then(
        () => true,
        () => false,
      )
    )
      out.push(path);
  }
  return out;
}
