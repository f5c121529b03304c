import { formatDuration, releaseSettings } from '@berth/core';
import {
  BerthError,
  TERMINAL_BUILD_STATUSES,
  type AgentBuildParams,
  type AgentBuildResult,
  type DeploymentError,
  type ErrorCode,
} from '@berth/protocol';
import type { AppRow, BuildRow, DeploymentRow, ReleaseRow, Store } from '@berth/store';
import { sourceForBuild, type LocalSourcePolicy } from '../access/sources.js';
import type { AgentGateway } from '../agents/gateway.js';
import type { KeyHolder } from '../secrets/keys.js';
import type { ArchiveStore } from './archives.js';
import { toAgentBuildParams } from './agent-params.js';
import { createBuildLogWriter } from './log-writer.js';
import { openAppValue } from './sealed.js';

export interface BuildRunnerDeps {
  store: Store;
  clock: () => number;
  agents: AgentGateway;
  keys: KeyHolder;
  archives: ArchiveStore;
  buildTimeoutMs: number;
  localSources: LocalSourcePolicy;
}

/** Errors that are the build's own outcome (the source or the build failed), not Berth's trouble. */
const BUILD_OUTCOMES: readonly ErrorCode[] = [
  'GIT_FAILED',
  'BUILD_FAILED',
  'BUILD_DETECTION_FAILED',
  'BUILD_MANIFEST_INVALID',
  'BUILD_BASE_IMAGE_MISSING',
  'BUILD_CANCELLED',
  'BUILD_TIMEOUT',
  'VALIDATION_FAILED',
  'SOURCE_NOT_ALLOWED',
  'BUILD_COMMIT_NOT_TIP',
  // Builds are off on that server (its sandbox cannot run): the build fails saying why.
  'BUILD_SANDBOX_UNAVAILABLE',
];

export type BuildRunner = ReturnType<typeof createBuildRunner>;

/**
 * Runs the build a deployment waits for, on an agent, and writes its outcome into the waiting
 * release in the same transaction as the build's status, so a build is never "succeeded" with a
 * release that lacks its image. A job re-run after berthd died finds the build done, or running
 * on the agent still (and re-attaches, skipping the log lines it already has), or starts it again.
 */
export function createBuildRunner(deps: BuildRunnerDeps) {
  const { store, clock, agents, keys, archives } = deps;
  const cancellers = new Map<string, AbortController>();

  /** The app's git credentials, opened here only to be sealed again for the building agent. */
  async function credentials(app: AppRow) {
    const token = await store.appSealed.get(app.id, 'git-token');
    const sshKey = await store.appSealed.get(app.id, 'git-ssh-key');
    return {
      token: token ? openAppValue(keys.box, token) : null,
      sshKey: sshKey ? openAppValue(keys.box, sshKey) : null,
    };
  }

  /**
   * What the agent gets: the source as git must open it (a local path is checked again before
   * every build, and given as its real path), sealed credentials, and the team's build network.
   */
  async function paramsFor(build: BuildRow, app: AppRow, fromLine: number) {
    const team = await store.teams.get(app.teamId);
    if (!team) throw new BerthError('BUILD_NOT_FOUND', `The team of ${app.name} is gone`);
    const url =
      build.source.type === 'git' ? await sourceForBuild(build.source.url, team, deps.localSources) : null;
    const creds = build.source.type === 'git' ? await credentials(app) : null;
    const { buildNetwork } = await store.teamSettings.get(team.id);
    const input = {
      build,
      app,
      timeoutMs: deps.buildTimeoutMs,
      fromLine,
      gitUrl: url,
      credentials: creds,
      network: buildNetwork,
      archivePath: build.source.type === 'archive' ? archives.downloadPath(build.id, clock()) : null,
    };
    return (seal: (plain: string, aad: string) => string): AgentBuildParams =>
      toAgentBuildParams(input, seal);
  }

  async function end(build: BuildRow, status: 'failed' | 'cancelled' | 'ignored', error: DeploymentError) {
    await store.builds.update(build.id, { status, error, finishedAt: clock() });
    await archives.remove(build.id);
    return error;
  }

  async function succeed(
    d: DeploymentRow,
    build: BuildRow,
    release: ReleaseRow,
    r: AgentBuildResult & { serverName: string },
  ) {
    const now = clock();
    const took = formatDuration(now - (build.startedAt ?? now));
    await store.transaction(async (tx) => {
      const app = await tx.apps.getById(d.appId);
      if (!app) return;
      const plan = { port: r.port, healthPath: r.healthPath, env: r.env, replicas: r.replicas };
      const first = app.currentReleaseId === null;
      const settings = releaseSettings(app, plan, first);
      await tx.releases.completeBuild(release.id, {
        image: r.image,
        imageId: r.imageId,
        commit: r.commit,
        port: settings.port,
        env: settings.env,
        health: settings.health,
        replicas: settings.replicas,
      });
      await tx.builds.update(build.id, {
        status: 'succeeded',
        commit: r.commit,
        subject: r.subject,
        builder: r.builder,
        plan,
        image: r.image,
        imageId: r.imageId,
        finishedAt: now,
      });
      // berth.yaml's replicas count for the first deployment only: its deployment runs that many.
      const replicasFromBuild = first && settings.replicas !== app.replicas;
      await tx.apps.update(
        app.id,
        { image: r.image, ...(replicasFromBuild && { replicas: settings.replicas }) },
        now,
      );
      if (replicasFromBuild) await tx.deployments.update(d.id, { replicas: settings.replicas });
      await tx.events.append(d.id, {
        at: now,
        level: 'info',
        message: `Built ${r.image} on ${r.serverName} from ${r.commit.slice(0, 12)} (${r.builder}) in ${took}`,
      });
    });
    await archives.remove(build.id);
  }

  return {
    /**
     * A deployment that will not run again (its job gave up): its build ends as failed, and an
     * uploaded directory it still kept is deleted.
     */
    async abandon(buildId: string, error: DeploymentError): Promise<void> {
      const build = await store.builds.get(buildId);
      if (build && !TERMINAL_BUILD_STATUSES.includes(build.status)) await end(build, 'failed', error);
      else await archives.remove(buildId);
    },

    /** Cancels a build running in this process; false when it is not running here. */
    cancel(buildId: string): boolean {
      const c = cancellers.get(buildId);
      c?.abort();
      return c !== undefined;
    },

    /** Null when the build succeeded and the release has its image; else why it did not. */
    async run(d: DeploymentRow, release: ReleaseRow, signal: AbortSignal): Promise<DeploymentError | null> {
      let build = d.buildId ? await store.builds.get(d.buildId) : null;
      const app = await store.apps.getById(d.appId);
      if (!build || !app)
        return { code: 'BUILD_NOT_FOUND', message: 'The build of this deployment is gone', logs: [] };
      if (build.status === 'succeeded') return null;
      if (build.error && TERMINAL_BUILD_STATUSES.includes(build.status)) return build.error;
      if (build.cancelRequestedAt !== null) {
        return end(build, 'cancelled', {
          code: 'BUILD_CANCELLED',
          message: `Build #${build.number} was cancelled`,
          logs: [],
        });
      }
      if (build.status === 'queued') {
        build = await store.builds.update(build.id, { status: 'running', startedAt: clock() });
        await store.events.append(d.id, {
          at: clock(),
          level: 'info',
          message: `Building #${build.number} from ${describeSource(build)}`,
        });
      }

      const cancelled = new AbortController();
      cancellers.set(build.id, cancelled);
      const timeout = AbortSignal.timeout(deps.buildTimeoutMs);
      const log = createBuildLogWriter(store, build.id, clock);
      try {
        const params = await paramsFor(build, app, await store.builds.logCount(build.id));
        const result = await agents.build(
          params,
          (lines) => log.push(lines),
          AbortSignal.any([signal, cancelled.signal, timeout]),
        );
        await log.flush();
        await succeed(d, build, release, result);
        return null;
      } catch (err) {
        await log.flush();
        if (cancelled.signal.aborted) {
          return end(build, 'cancelled', {
            code: 'BUILD_CANCELLED',
            message: `Build #${build.number} was cancelled`,
            logs: [],
          });
        }
        if (timeout.aborted) {
          return end(build, 'failed', {
            code: 'BUILD_TIMEOUT',
            message: `Build #${build.number} did not finish within ${formatDuration(deps.buildTimeoutMs)}`,
            logs: log.tail().slice(-20),
          });
        }
        // berthd stopping, or the agent gone: the job runs again and picks the build up.
        if (signal.aborted || !(err instanceof BerthError) || !BUILD_OUTCOMES.includes(err.code)) throw err;
        if (err.code === 'BUILD_COMMIT_NOT_TIP') {
          return end(build, 'ignored', {
            code: err.code,
            message: `Build #${build.number} ignored: ${err.message}`,
            logs: [],
          });
        }
        return end(build, 'failed', {
          code: err.code,
          message: `Build #${build.number} failed: ${err.message}`,
          logs: err.logs.length > 0 ? err.logs : log.tail().slice(-20),
        });
      } finally {
        cancellers.delete(build.id);
      }
    },
  };
}

function describeSource(b: BuildRow): string {
  if (b.source.type === 'archive') return `an uploaded directory (${Math.ceil(b.source.bytes / 1024)} KiB)`;
  const at = b.source.commit ? b.source.commit.slice(0, 12) : `${b.source.ref.kind} ${b.source.ref.name}`;
  return `${b.source.url} at ${at}`;
}
