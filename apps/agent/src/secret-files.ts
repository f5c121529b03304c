import { execFile } from 'node:child_process';
import { chmod, chown, mkdir, readdir, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { BerthError } from '@berth/protocol';
import type { Logger } from 'pino';

const run = promisify(execFile);
/** statfs f_type of tmpfs (linux/magic.h). */
const TMPFS_MAGIC = 0x01021994;
/** Plenty for 256 secrets of 32 KiB for a few dozen replicas; tmpfs only uses what is written. */
const TMPFS_OPTIONS = 'mode=0700,nosuid,nodev,noexec,size=64m';
const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,253}$/;
const KEY = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

export interface SecretFile {
  key: string;
  /** Where the container sees it (validated by the protocol: /run/secrets/NAME). */
  target: string;
  value: string;
}

/** Who owns the files inside the container: the image's numeric user, or null when unknown. */
export type FileOwner = { uid: number; gid: number } | null;

/**
 * Secrets given to a container as files: written into a directory of that container on a tmpfs
 * the agent mounts for itself (never on a disk), bind-mounted read-only by the engine, and
 * removed with the container. The tmpfs is 0700: on the host only root reaches the files.
 */
export class SecretFiles {
  private ready: Promise<void> | null = null;
  /** Whether a tmpfs left mounted by an agent that was killed has been looked for. */
  private adopted = false;
  /** Names of one-off runs' containers, which the reconciler does not list: sweep leaves them. */
  private readonly held = new Set<string>();

  constructor(
    private readonly dir: string,
    private readonly log: Logger,
    private readonly isRoot: boolean,
  ) {}

  /** Writes one container's files; returns what to bind-mount. Throws DEPLOY_START_FAILED when no tmpfs can be had. */
  async write(
    containerName: string,
    files: readonly SecretFile[],
    owner: FileOwner,
  ): Promise<{ source: string; target: string }[]> {
    if (files.length === 0) return [];
    await this.ensureTmpfs();
    const dir = this.containerDir(containerName);
    await this.remove(containerName); // a replica of the same name that crashed may have left its own
    await mkdir(dir, { mode: 0o700 });
    const mounts: { source: string; target: string }[] = [];
    for (const f of files) {
      if (!KEY.test(f.key)) throw new BerthError('INTERNAL', `Invalid secret key ${JSON.stringify(f.key)}`);
      const source = join(dir, f.key);
      // 0400 for the container's user when it is known; an image that names its user (not a
      // number) gets 0444: readable by its own processes, still unreachable from the host (0700 above).
      await writeFile(source, f.value, { flag: 'wx', mode: owner && this.isRoot ? 0o400 : 0o444 });
      if (owner && this.isRoot) await chown(source, owner.uid, owner.gid);
      mounts.push({ source, target: f.target });
    }
    await chmod(dir, 0o500);
    return mounts;
  }

  async remove(containerName: string): Promise<void> {
    const dir = this.containerDir(containerName);
    await chmod(dir, 0o700).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }

  /** Keeps a container's files from sweep until release (a one-off run is not in the reconciler's list). */
  hold(containerName: string): void {
    this.held.add(containerName);
  }

  release(containerName: string): void {
    this.held.delete(containerName);
  }

  /** Removes the files of containers that are gone (removed while the agent was down, or by hand). */
  async sweep(liveNames: ReadonlySet<string>): Promise<void> {
    if (!this.adopted) {
      this.adopted = true;
      // An agent killed with -9 left its tmpfs mounted: take it over, so its leftovers are swept.
      if (await this.isOwnMount().catch(() => false)) this.ready = Promise.resolve();
    }
    if (!this.ready) return;
    const entries = await readdir(this.dir).catch(() => []);
    for (const name of entries)
      if (!liveNames.has(name) && !this.held.has(name) && CONTAINER_NAME.test(name)) await this.remove(name);
  }

  /** Unmounts the tmpfs (lazily: running containers keep their own bind mounts of their files). */
  async close(): Promise<void> {
    if (!this.ready || !this.isRoot) return;
    await run('umount', ['-l', this.dir]).catch(() => undefined);
    this.ready = null;
  }

  private containerDir(name: string): string {
    if (!CONTAINER_NAME.test(name))
      throw new BerthError('INTERNAL', `Invalid container name ${JSON.stringify(name)}`);
    return join(this.dir, name);
  }

  private ensureTmpfs(): Promise<void> {
    this.ready ??= this.mountTmpfs().catch((err: unknown) => {
      this.ready = null;
      throw err;
    });
    return this.ready;
  }

  private async mountTmpfs(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    if (await this.isOwnMount()) return; // mounted by this agent before it was restarted
    if (this.isRoot) {
      await run('mount', ['-t', 'tmpfs', '-o', TMPFS_OPTIONS, 'berth-secrets', this.dir]);
      this.log.info({ dir: this.dir }, 'tmpfs for secret files mounted');
      return;
    }
    if ((await statfs(this.dir)).type === TMPFS_MAGIC) return;
    throw new BerthError(
      'DEPLOY_START_FAILED',
      `Secrets given as files need a tmpfs, and ${this.dir} is not on one (the agent mounts its own only as root)`,
      {
        hint: 'Run Berth as root, or give the secret as an environment variable: berth secrets set APP KEY=VALUE',
      },
    );
  }

  /** A tmpfs mounted right on the directory (its device differs from its parent's). */
  private async isOwnMount(): Promise<boolean> {
    const [self, parent] = await Promise.all([stat(this.dir), stat(dirname(this.dir))]);
    return self.dev !== parent.dev && (await statfs(this.dir)).type === TMPFS_MAGIC;
  }
}

/** The owner of secret files from an image's `User`: root and numeric users are known; names are not. */
export function toFileOwner(imageUser: string): FileOwner {
  const user = imageUser.trim();
  if (user === '' || user === 'root' || user === 'root:root') return { uid: 0, gid: 0 };
  const m = /^(\d{1,10})(?::(\d{1,10}))?$/.exec(user);
  if (!m) return null;
  return { uid: Number(m[1]), gid: Number(m[2] ?? m[1]) };
}
