import { LABELS } from '@berth/core';
import type { ContainerDetails, ContainerEngine, ContainerLogLine } from '@berth/engine';
import {
  BerthError,
  type AgentRunParams,
  type AgentRunResult,
  type LogLine,
  type ReleaseSpec,
} from '@berth/protocol';
import { splitSecrets } from './apply.js';
import { toFileOwner, type SecretFiles } from './secret-files.js';

/**
 * One-off containers (`berth run`, cron runs): the app's release with its env, secrets, volumes,
 * team network and limits, running one command as argv (the engine's Cmd: no shell of ours ever
 * reads it). They carry RUN_LABELS, never the replica labels, so the reconciler neither serves
 * nor removes them; this module removes each when its command ends, at its timeout, or when
 * berthd cancels, and sweepOneOffs removes those an agent killed mid-run left behind.
 */
export const RUN_LABELS = { agent: 'berth.run.agent', run: 'berth.run' } as const;

/** Lines of output read before the live stream: everything a short command wrote before it opened. */
const HISTORY_LINES = 100_000;

/** A follow that ended while the container still runs is opened again after this pause. */
const REFOLLOW_DELAY_MS = 100;

type OneOffEngine = Pick<
  ContainerEngine,
  'hasImage' | 'imageUser' | 'createAndStart' | 'stopAndRemove' | 'logs' | 'list'
>;

export interface OneOffDeps {
  engine: OneOffEngine;
  agentId: string;
  secretFiles: Pick<SecretFiles, 'write' | 'remove' | 'hold' | 'release'>;
  openSecrets(release: ReleaseSpec): Record<string, string>;
  /** The team's network; the app's replicas run here, so it exists. */
  networkFor(teamId: string): string;
  dnsFor(teamId: string): string | null;
  publishHost: string;
}

/** `berth-run-<app>-<run id's random part>`: unique, and never a replica's name. */
export const oneOffName = (appName: string, runId: string): string =>
  `berth-run-${appName}-${runId.slice(runId.indexOf('_') + 1)}`;

export async function runOneOff(
  deps: OneOffDeps,
  params: AgentRunParams,
  send: (lines: LogLine[]) => Promise<void>,
  signal: AbortSignal,
): Promise<AgentRunResult> {
  const { app, runId } = params;
  const { release } = app;
  const name = oneOffName(app.appName, runId);
  if (!(await deps.engine.hasImage(release.imageId)))
    throw new BerthError(
      'DEPLOY_IMAGE_NOT_FOUND',
      `The image of v${release.version} of ${app.appName} is not on this server`,
      { hint: `Deploy the app again (berth deploy ${app.appName}) so its servers hold its image` },
    );
  signal.throwIfAborted();
  deps.secretFiles.hold(name);
  try {
    const secrets = splitSecrets(deps.openSecrets(release), release.secretFiles);
    const owner = secrets.files.length > 0 ? toFileOwner(await deps.engine.imageUser(release.imageId)) : null;
    const files = await deps.secretFiles.write(name, secrets.files, owner);
    const container = await deps.engine.createAndStart({
      name,
      imageId: release.imageId,
      env: { PORT: String(release.port), ...release.env, ...secrets.env },
      command: [...params.cmd],
      replaceEntrypoint: true,
      labels: {
        [LABELS.managed]: 'true',
        [LABELS.team]: app.teamId,
        [LABELS.app]: app.appId,
        [RUN_LABELS.agent]: deps.agentId,
        [RUN_LABELS.run]: runId,
      },
      port: release.port,
      publishHost: deps.publishHost,
      publish: false,
      network: deps.networkFor(app.teamId),
      dns: deps.dnsFor(app.teamId),
      limits: release.limits,
      files,
      // Already made by the replicas' start on this server (berthd sends runs where they run).
      volumes: (release.volumes ?? []).map((v) => ({ name: v.engineName, target: v.path })),
    });
    let timedOut = false;
    const kill = (): void => void deps.engine.stopAndRemove(container.id, 0).catch(() => undefined);
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, params.timeoutMs);
    signal.addEventListener('abort', kill, { once: true });
    try {
      let after: ContainerDetails | undefined;
      try {
        after = await streamToExit(deps.engine, container.id, runId, signal, (l) =>
          send([{ at: l.at, replica: name, stream: l.stream, line: l.line }]),
        );
      } catch (err) {
        // Killed at the timeout, the container may be gone before its log stream says so.
        if (!timedOut) throw err;
      }
      signal.throwIfAborted();
      return { exitCode: timedOut ? null : (after?.exitCode ?? null), timedOut };
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', kill);
      await deps.engine.stopAndRemove(container.id, 1).catch(() => undefined);
    }
  } finally {
    deps.secretFiles.release(name);
    await deps.secretFiles.remove(name).catch(() => undefined);
  }
}

/**
 * Sends the container's output until it has stopped, each line once, and returns its state then.
 * Podman's follow can end at the container's exit before its reader has read the last lines the
 * container wrote, or end while the container still runs (podman#10675, #17286; a cron run's
 * only line went missing this way in CI): so the log is followed again while the engine says
 * the container runs, then read whole once it has stopped, and the lines not yet sent go out.
 * Lines are matched by position: each read starts at the same first line.
 */
async function streamToExit(
  engine: OneOffEngine,
  id: string,
  runId: string,
  signal: AbortSignal,
  send: (line: ContainerLogLine) => Promise<void>,
): Promise<ContainerDetails | undefined> {
  let sent = 0;
  const read = async (follow: boolean): Promise<void> => {
    let at = 0;
    for await (const l of engine.logs(id, { tail: HISTORY_LINES, follow, signal })) {
      if (at++ < sent) continue;
      await send(l);
      sent += 1;
    }
  };
  await read(true);
  for (;;) {
    const [state] = await engine.list({ [RUN_LABELS.run]: runId });
    if (state?.status !== 'running' || signal.aborted) {
      if (state && !signal.aborted) await read(false);
      return state;
    }
    await new Promise((resolve) => setTimeout(resolve, REFOLLOW_DELAY_MS));
    await read(true);
  }
}

/** Removes the one-off containers of this agent: at start, none of them has anyone waiting for it. */
export async function sweepOneOffs(engine: ContainerEngine, agentId: string): Promise<number> {
  const left = await engine.list({ [RUN_LABELS.agent]: agentId });
  await Promise.all(left.map((c) => engine.stopAndRemove(c.id, 0).catch(() => undefined)));
  return left.length;
}
