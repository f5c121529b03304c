/**
 * Builds in the sandbox (see ./sandbox-plan.ts): for each build a rootless Podman API service
 * runs in a sandbox of its own, on the team's own storage, with Berth's base images visible
 * read-only; the caller drives it through the same engine API code as any engine
 * (buildImage, imageLabels, importRootfs). The finished image is then exported from the
 * team's storage into an OCI layout (in another sandbox) and imported from there into the
 * engine that runs the apps (as root, after checking the layout holds only plain files).
 *
 * Killing the sandbox stops everything in it (its pid namespace): that is how a build is
 * cancelled or timed out, whatever its RUN step does.
 */
import { randomBytes } from 'node:crypto';
import { chmod, chown, lstat, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError, ID_PATTERN } from '@berth/protocol';
import { createEngineApiClient } from '../../container/docker-api-engine.js';
import type { EngineHttpClient } from '../../container/engine-http.js';
import type { PodmanHostPlan } from '../../podman/host-config.js';
import { pingEngineSocket } from '../../podman/find-socket.js';
import type { BuilderHost } from './builder-host.js';
import {
  SANDBOX_API_DIR,
  SANDBOX_API_SOCKET,
  SANDBOX_BASE_STORE,
  SANDBOX_EXPORT,
  SANDBOX_STORAGE,
  sandboxEnv,
  sandboxFiles,
  sandboxStorageRef,
  storageArgs,
} from './builder-files.js';
import { importLayoutIntoEngine } from './engine-import.js';
import { checkLayoutFiles, pruneLayout } from './oci-layout.js';
import { attachEgress, SLIRP_DNS, type SandboxEgress } from './sandbox-network.js';
import { planSandboxCommand, type SandboxMount } from './sandbox-plan.js';
import { spawnSandbox, type SandboxProcess } from './sandbox-process.js';
import { ScopeLock } from './scope-lock.js';

export type BuildNetwork = 'egress' | 'none';

export interface SandboxedBuilderOptions {
  host: BuilderHost;
  /**
   * The builder's state: base/, teams/<id>/, runs/<id>/. Root-owned and 0711 down to the
   * directories the build user owns (bwrap, as that user, binds them by path), so it is not
   * under the data dir, which stays 0700.
   */
  dir: string;
  podmanPlan: PodmanHostPlan;
  /** Lines of the sandbox's own processes (Podman's service), for the agent's log. */
  log?: (line: string) => void;
}

export interface BuilderSession {
  /** The sandboxed Podman's API: build, inspect, import here. */
  http: EngineHttpClient;
  network: BuildNetwork;
}

const START_TIMEOUT_MS = 20_000;
const LAYOUT = 'layout';

export class SandboxedBuilder {
  private readonly locks = new ScopeLock();

  constructor(private readonly o: SandboxedBuilderOptions) {}

  /** Runs fn against a sandboxed Podman on the team's storage, one session per team at a time. */
  team<T>(
    teamId: string,
    network: BuildNetwork,
    signal: AbortSignal,
    fn: (session: BuilderSession) => Promise<T>,
  ): Promise<T> {
    checkId(teamId);
    return this.locks.team(teamId, signal, async () => {
      const dirs = await this.teamDirs(teamId);
      const withBase = await this.baseStoreReady();
      const mounts: SandboxMount[] = [{ dest: SANDBOX_STORAGE, hostDir: dirs.storage, writable: true }];
      if (withBase) mounts.push({ dest: SANDBOX_BASE_STORE, hostDir: this.baseDir(), writable: false });
      return this.session(mounts, withBase, network, signal, fn);
    });
  }

  /** Runs fn against a sandboxed Podman on the base images' store (`berth images bootstrap`). */
  base<T>(signal: AbortSignal, fn: (session: BuilderSession) => Promise<T>): Promise<T> {
    return this.locks.base(signal, async () => {
      await this.owned(this.baseDir());
      const mounts = [{ dest: SANDBOX_STORAGE, hostDir: this.baseDir(), writable: true }];
      return this.session(mounts, false, 'egress', signal, fn);
    });
  }

  /**
   * Moves an image built in the team's storage into the engine as `engineRef`: skopeo in the
   * sandbox writes the layers the team's layout lacks, then root imports the layers the engine
   * lacks. Returns the image id in the engine.
   */
  async exportToEngine(
    teamId: string,
    o: { image: string; engineRef: string; engine: EngineHttpClient; signal: AbortSignal },
  ): Promise<string> {
    checkId(teamId);
    return this.locks.team(teamId, o.signal, async () => {
      const dirs = await this.teamDirs(teamId);
      const withBase = await this.baseStoreReady();
      const tag = `t${randomBytes(8).toString('hex')}`;
      const mounts: SandboxMount[] = [
        { dest: SANDBOX_STORAGE, hostDir: dirs.storage, writable: true },
        { dest: SANDBOX_EXPORT, hostDir: dirs.export, writable: true },
      ];
      if (withBase) mounts.push({ dest: SANDBOX_BASE_STORE, hostDir: this.baseDir(), writable: false });
      const command = [
        this.o.host.binaries.skopeo,
        '--insecure-policy',
        'copy',
        '--quiet',
        '--dest-oci-accept-uncompressed-layers',
        sandboxStorageRef(o.image, withBase),
        `oci:${SANDBOX_EXPORT}/${LAYOUT}:${tag}`,
      ];
      await this.runToEnd(mounts, command, 'none', o.signal, 'Exporting the built image');
      const layout = join(dirs.export, LAYOUT);
      await checkLayoutFiles(layout);
      const imageId = await importLayoutIntoEngine({
        skopeo: this.o.host.binaries.skopeo,
        layout,
        tag,
        engine: o.engine,
        ref: o.engineRef,
        signal: o.signal,
      });
      await pruneLayout(layout);
      return imageId;
    });
  }

  private async session<T>(
    mounts: SandboxMount[],
    withBase: boolean,
    network: BuildNetwork,
    signal: AbortSignal,
    fn: (session: BuilderSession) => Promise<T>,
  ): Promise<T> {
    const run = await this.runDir();
    const api = join(run.dir, 'api');
    await this.owned(api);
    const command = [
      this.o.host.binaries.podman,
      ...storageArgs(withBase),
      'system',
      'service',
      '--time=0',
      `unix://${SANDBOX_API_SOCKET}`,
    ];
    const sandbox = await this.spawn(
      [...mounts, ...run.mounts, { dest: SANDBOX_API_DIR, hostDir: api, writable: true }],
      command,
      network,
    );
    const onAbort = (): void => sandbox.kill();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const socketPath = join(api, 'podman.sock');
      await waitForService(socketPath, sandbox, signal);
      // No deadline per request: the caller's signal bounds the session, and kills it.
      const http = createEngineApiClient({ socketPath, timeoutMs: 2_147_483_647 });
      return await fn({ http, network });
    } finally {
      signal.removeEventListener('abort', onAbort);
      sandbox.kill();
      await sandbox.exited;
      await rm(run.dir, { recursive: true, force: true });
    }
  }

  private async runToEnd(
    mounts: SandboxMount[],
    command: string[],
    network: BuildNetwork,
    signal: AbortSignal,
    what: string,
  ): Promise<void> {
    const run = await this.runDir();
    const sandbox = await this.spawn([...mounts, ...run.mounts], command, network);
    const onAbort = (): void => sandbox.kill();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const { code, signal: killed } = await sandbox.exited;
      signal.throwIfAborted();
      if (code !== 0) {
        throw new BerthError('BUILD_FAILED', `${what} failed (${killed ?? `exit ${code}`})`, {
          logs: sandbox.lastLines().slice(-20),
        });
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      sandbox.kill();
      await rm(run.dir, { recursive: true, force: true });
    }
  }

  /** The sandbox, with egress attached unless the network is 'none'; stopping it stops both. */
  private async spawn(
    mounts: SandboxMount[],
    command: string[],
    network: BuildNetwork,
  ): Promise<SandboxProcess> {
    const { host } = this.o;
    const egress = network === 'egress';
    const cmd = planSandboxCommand({
      identity: host.identity,
      binaries: host.binaries,
      rootEntries: host.rootEntries,
      publicDirs: ['/etc/ssl/certs'],
      mounts,
      files: sandboxFiles({ plan: this.o.podmanPlan, nameserver: egress ? SLIRP_DNS : null }),
      tun: host.tun && egress,
      env: sandboxEnv(host.identity),
      command,
    });
    const sandbox = spawnSandbox(cmd, { ...(this.o.log && { onLine: this.o.log }) });
    if (!egress) return sandbox;
    let attached: SandboxEgress;
    try {
      attached = await attachEgress({
        identity: host.identity,
        setpriv: host.binaries.setpriv,
        slirp4netns: host.binaries.slirp4netns,
        pid: await sandbox.childPid,
      });
    } catch (err) {
      sandbox.kill();
      await sandbox.exited;
      throw err;
    }
    void sandbox.exited.then(() => attached.stop());
    return sandbox;
  }

  private baseDir(): string {
    return join(this.o.dir, 'base');
  }

  /** Whether a bootstrap has initialised the base store (an empty one cannot be mounted as one). */
  private async baseStoreReady(): Promise<boolean> {
    const images = await lstat(join(this.baseDir(), 'overlay-images')).catch(() => null);
    return images?.isDirectory() === true;
  }

  private async teamDirs(teamId: string): Promise<{ storage: string; export: string }> {
    const team = join(this.o.dir, 'teams', teamId);
    await traversable(this.o.dir, join(this.o.dir, 'teams'), team);
    const dirs = { storage: join(team, 'storage'), export: join(team, 'export') };
    await this.owned(dirs.storage);
    await this.owned(dirs.export);
    return dirs;
  }

  /** A per-sandbox scratch dir on disk for /tmp and /var/tmp (build contexts are uploaded there). */
  private async runDir(): Promise<{ dir: string; mounts: SandboxMount[] }> {
    const dir = join(this.o.dir, 'runs', randomBytes(8).toString('hex'));
    await traversable(this.o.dir, join(this.o.dir, 'runs'), dir);
    const tmp = join(dir, 'tmp');
    const varTmp = join(dir, 'var-tmp');
    await this.owned(tmp);
    await this.owned(varTmp);
    return {
      dir,
      mounts: [
        { dest: '/tmp', hostDir: tmp, writable: true },
        { dest: '/var/tmp', hostDir: varTmp, writable: true },
      ],
    };
  }

  /** A directory owned by the build user (root inside the sandbox), 0700. */
  private async owned(path: string): Promise<void> {
    await traversable(this.o.dir);
    await mkdir(path, { recursive: true, mode: 0o700 });
    const s = await lstat(path);
    if (!s.isDirectory()) throw new BerthError('BUILD_SANDBOX_UNAVAILABLE', `${path} is not a directory`);
    const { uid, gid } = this.o.host.identity;
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

function checkId(teamId: string): void {
  if (!ID_PATTERN.test(teamId))
    throw new BerthError('VALIDATION_FAILED', `Invalid team id ${JSON.stringify(teamId)}`);
}

async function waitForService(
  socketPath: string,
  sandbox: SandboxProcess,
  signal: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let exited = false;
  void sandbox.exited.then(() => (exited = true));
  for (;;) {
    signal.throwIfAborted();
    if (exited) {
      throw new BerthError('BUILD_SANDBOX_UNAVAILABLE', 'The build sandbox stopped while starting', {
        logs: sandbox.lastLines().slice(-20),
        hint: 'See the lines above; docs/security.md says what the sandbox needs from the host',
      });
    }
    if (await pingEngineSocket(socketPath, 500)) return;
    if (Date.now() > deadline) {
      throw new BerthError('BUILD_SANDBOX_UNAVAILABLE', 'The build sandbox did not start in time', {
        logs: sandbox.lastLines().slice(-20),
      });
    }
    await sleep(20);
  }
}
