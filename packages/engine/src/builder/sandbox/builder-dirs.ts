/**
 * The builder's directory on the host:
 *
 *   <dir>/               root 0711
 *     base/              build user 0700: Berth's base images (read-only to team builds)
 *     teams/<team-id>/   root 0711
 *       storage/         build user 0700: the team's images and layer cache
 *       export/          build user 0700: the team's OCI layout for handing images over
 *     runs/<random>/     root 0711: one sandbox's scratch (tmp/, var-tmp/, api/), removed after
 *
 * bwrap binds these as the build user, so every root-owned step must let it pass (0711) and no
 * more: it can list none of them, and none holds anything of Berth's but build state.
 */
import { randomBytes } from 'node:crypto';
import { chmod, chown, lstat, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError, ID_PATTERN } from '@berth/protocol';
import type { SandboxMount } from './sandbox-plan.js';

/** Longer than any build may run (BERTHD_BUILD_TIMEOUT_MS defaults to 30 minutes). */
const STALE_RUN_MS = 6 * 3_600_000;

export class BuilderDirs {
  constructor(
    private readonly dir: string,
    private readonly owner: { uid: number; gid: number },
  ) {}

  get base(): string {
    return join(this.dir, 'base');
  }

  /** Whether a bootstrap has initialised the base store (an empty one cannot be mounted as one). */
  async baseStoreReady(): Promise<boolean> {
    const images = await lstat(join(this.base, 'overlay-images')).catch(() => null);
    return images?.isDirectory() === true;
  }

  async ensureBase(): Promise<string> {
    await this.owned(this.base);
    return this.base;
  }

  async team(teamId: string): Promise<{ storage: string; export: string }> {
    if (!ID_PATTERN.test(teamId))
      throw new BerthError('VALIDATION_FAILED', `Invalid team id ${JSON.stringify(teamId)}`);
    const team = join(this.dir, 'teams', teamId);
    await traversable(this.dir, join(this.dir, 'teams'), team);
    const dirs = { storage: join(team, 'storage'), export: join(team, 'export') };
    await this.owned(dirs.storage);
    await this.owned(dirs.export);
    return dirs;
  }

  /** A per-sandbox scratch dir on disk for /tmp and /var/tmp (build contexts are uploaded there). */
  async run(): Promise<{ dir: string; api: string; mounts: SandboxMount[] }> {
    const dir = join(this.dir, 'runs', randomBytes(8).toString('hex'));
    await traversable(this.dir, join(this.dir, 'runs'), dir);
    const [tmp, varTmp, api] = [join(dir, 'tmp'), join(dir, 'var-tmp'), join(dir, 'api')];
    for (const d of [tmp, varTmp, api]) await this.owned(d);
    return {
      dir,
      api,
      mounts: [
        { dest: '/tmp', hostDir: tmp, writable: true },
        { dest: '/var/tmp', hostDir: varTmp, writable: true },
      ],
    };
  }

  /**
   * Removes scratch dirs of sandboxes that died with an earlier agent (kill -9 leaves them). Only
   * old ones: another agent on this host may share the builder dir (tests do) and be building.
   */
  async sweep(now: number): Promise<void> {
    const runs = join(this.dir, 'runs');
    for (const name of await readdir(runs).catch(() => [] as string[])) {
      const s = await lstat(join(runs, name)).catch(() => null);
      if (s?.isDirectory() && now - s.mtimeMs > STALE_RUN_MS)
        await rm(join(runs, name), { recursive: true, force: true });
    }
  }

  /** A directory owned by the build user (root inside the sandbox), 0700. */
  private async owned(path: string): Promise<void> {
    await traversable(this.dir);
    await mkdir(path, { recursive: true, mode: 0o700 });
    const s = await lstat(path);
    if (!s.isDirectory()) throw new BerthError('BUILD_SANDBOX_UNAVAILABLE', `${path} is not a directory`);
    const { uid, gid } = this.owner;
    if (s.uid !== uid || s.gid !== gid) await chown(path, uid, gid);
    if ((s.mode & 0o777) !== 0o700) await chmod(path, 0o700);
  }
}

/** Root-owned directories the build user may pass through but not list (0711). */
async function traversable(...paths: string[]): Promise<void> {
  for (const path of paths) {
    await mkdir(path, { recursive: true, mode: 0o711 });
    const s = await lstat(path);
    if (!s.isDirectory() || s.uid !== 0) {
      throw new BerthError('BUILD_SANDBOX_UNAVAILABLE', `${path} must be a directory owned by root`);
    }
    if ((s.mode & 0o777) !== 0o711) await chmod(path, 0o711);
  }
}
