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
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError } from '@berth/protocol';
import { createEngineApiClient } from '../../container/docker-api-engine.js';
import type { EngineHttpClient } from '../../container/engine-http.js';
import type { PodmanHostPlan } from '../../podman/host-config.js';
import { BuilderDirs } from './builder-dirs.js';
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
import { planSandboxCommand, type SandboxIdentity, type SandboxMount } from './sandbox-plan.js';
import { spawnSandbox, type SandboxProcess } from './sandbox-process.js';
import { removeWorkingContainers, waitForService } from './sandbox-service.js';
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

/** Starts of a sandbox that bwrap failed to set up (see retrySetup). */
const SETUP_ATTEMPTS = 3;
const LAYOUT = 'layout';

export class SandboxedBuilder {
  private readonly locks = new ScopeLock();
  private readonly dirs: BuilderDirs;

  constructor(private readonly o: SandboxedBuilderOptions) {
    this.dirs = new BuilderDirs(o.dir, o.host.identity);
  }

  /** Who builds run as on the host (for the host firewall's rules). */
  get identity(): SandboxIdentity {
    return this.o.host.identity;
  }

  /** Removes what sandboxes of an earlier agent left (see BuilderDirs.sweep). */
  sweep(now: number = Date.now()): Promise<void> {
    return this.dirs.sweep(now);
  }

  /** Runs fn against a sandboxed Podman on the team's storage, one session per team at a time. */
  team<T>(
    teamId: string,
    network: BuildNetwork,
    signal: AbortSignal,
    fn: (session: BuilderSession) => Promise<T>,
  ): Promise<T> {
    return this.locks.team(teamId, signal, async () => {
      const dirs = await this.dirs.team(teamId);
      const withBase = await this.dirs.baseStoreReady();
      const mounts: SandboxMount[] = [{ dest: SANDBOX_STORAGE, hostDir: dirs.storage, writable: true }];
      if (withBase) mounts.push({ dest: SANDBOX_BASE_STORE, hostDir: this.dirs.base, writable: false });
      return this.session(mounts, withBase, network, signal, fn);
    });
  }

  /** Runs fn against a sandboxed Podman on the base images' store (`berth images bootstrap`). */
  base<T>(signal: AbortSignal, fn: (session: BuilderSession) => Promise<T>): Promise<T> {
    return this.locks.base(signal, async () => {
      const mounts = [{ dest: SANDBOX_STORAGE, hostDir: await this.dirs.ensureBase(), writable: true }];
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
    return this.locks.team(teamId, o.signal, async () => {
      const dirs = await this.dirs.team(teamId);
      const withBase = await this.dirs.baseStoreReady();
      const tag = `t${randomBytes(8).toString('hex')}`;
      const mounts: SandboxMount[] = [
        { dest: SANDBOX_STORAGE, hostDir: dirs.storage, writable: true },
        { dest: SANDBOX_EXPORT, hostDir: dirs.export, writable: true },
      ];
      if (withBase) mounts.push({ dest: SANDBOX_BASE_STORE, hostDir: this.dirs.base, writable: false });
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
    const command = [
      this.o.host.binaries.podman,
      ...storageArgs(withBase),
      'system',
      'service',
      '--time=0',
      `unix://${SANDBOX_API_SOCKET}`,
    ];
    for (let attempt = 1; ; attempt++) {
      const run = await this.dirs.run();
      const sandbox = await this.spawn(
        [...mounts, ...run.mounts, { dest: SANDBOX_API_DIR, hostDir: run.api, writable: true }],
        command,
        network,
      );
      const onAbort = (): void => sandbox.kill();
      signal.addEventListener('abort', onAbort, { once: true });
      let started = false;
      try {
        const socketPath = join(run.api, 'podman.sock');
        await waitForService(socketPath, sandbox, signal);
        started = true;
        // No deadline per request: the caller's signal bounds the session, and kills it.
        const http = createEngineApiClient({ socketPath, timeoutMs: 2_147_483_647 });
        await removeWorkingContainers(http);
        return await fn({ http, network });
      } catch (err) {
        if (started || !this.retrySetup(sandbox, attempt, signal)) throw err;
      } finally {
        signal.removeEventListener('abort', onAbort);
        sandbox.kill();
        await sandbox.exited;
        await rm(run.dir, { recursive: true, force: true });
      }
    }
  }

  /**
   * Whether to start a sandbox again that bwrap itself failed to set up: bwrap 0.8 has been seen
   * (once in hundreds of starts, on a loaded host) to fail configuring the loopback of the new
   * network namespace ("loopback: Failed RTM_NEWADDR"). Nothing of the build ran then, so a new
   * start is safe; a lasting problem still fails after SETUP_ATTEMPTS.
   */
  private retrySetup(sandbox: SandboxProcess, attempt: number, signal: AbortSignal): boolean {
    const lines = sandbox.lastLines();
    const setupFailed = lines.length > 0 && lines.every((l) => l.startsWith('bwrap: '));
    if (!setupFailed || attempt >= SETUP_ATTEMPTS || signal.aborted) return false;
    this.o.log?.(`starting the build sandbox again (${lines.join('; ')})`);
    return true;
  }

  private async runToEnd(
    mounts: SandboxMount[],
    command: string[],
    network: BuildNetwork,
    signal: AbortSignal,
    what: string,
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const run = await this.dirs.run();
      const sandbox = await this.spawn([...mounts, ...run.mounts], command, network);
      const onAbort = (): void => sandbox.kill();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        const { code, signal: killed } = await sandbox.exited;
        signal.throwIfAborted();
        if (code === 0) return;
        if (this.retrySetup(sandbox, attempt, signal)) continue;
        throw new BerthError('BUILD_FAILED', `${what} failed (${killed ?? `exit ${code}`})`, {
          logs: sandbox.lastLines().slice(-20),
        });
      } finally {
        signal.removeEventListener('abort', onAbort);
        sandbox.kill();
        await rm(run.dir, { recursive: true, force: true });
      }
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
}
