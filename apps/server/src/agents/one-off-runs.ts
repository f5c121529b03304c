import { BerthError, AgentRunResult, type LogLine } from '@berth/protocol';
import type { AppRow, Store } from '@berth/store';
import type { KeyHolder } from '../secrets/keys.js';
import { sealerFor, toShare, type DesiredStateSettings } from './desired-state.js';
import type { createImageCalls } from './image-calls.js';
import type { AgentSession } from './session.js';

export interface OneOffRequest {
  runId: string;
  cmd: readonly string[];
  timeoutMs: number;
}

export interface OneOffStart {
  server: string;
  release: number;
}

/**
 * One-off runs of an app's current release (`berth run`, cron runs) on one of the servers that
 * run its replicas: its image is there, its team network and volumes too (a volume-pinned app
 * runs only on its volume's server). Secrets are sealed to that one agent, as for a deployment.
 */
export function createOneOffRuns({
  store,
  sessions,
  keys,
  settings,
  images,
}: {
  store: Store;
  sessions: ReadonlyMap<string, AgentSession>;
  keys: KeyHolder;
  settings: DesiredStateSettings;
  images: Pick<ReturnType<typeof createImageCalls>, 'registryAccess'>;
}) {
  const pickServer = async (app: AppRow): Promise<AgentSession> => {
    const placed = (await store.placements.listCurrent()).filter((p) => p.appId === app.id);
    for (const p of placed) {
      const s = sessions.get(p.serverId);
      if (s) return s;
    }
    // Placed before berthd placed replicas: whichever agent reports them.
    for (const s of sessions.values())
      if (s.report?.apps.some((a) => a.appId === app.id && a.replicas.length > 0)) return s;
    throw new BerthError('AGENT_UNAVAILABLE', `No server that runs ${app.name} is connected`, {
      hint: `Check them with: berth servers list; the app must be running to run a command of it`,
    });
  };

  return {
    /**
     * Runs `cmd` in a new container of the app's current release; output through onLines as it
     * comes. Aborting the signal kills the container (resolves with null). Throws NO_RELEASE
     * when the app was never deployed.
     */
    async runOneOff(
      app: AppRow,
      request: OneOffRequest,
      onStarted: (start: OneOffStart) => void,
      onLines: (lines: LogLine[]) => void,
      signal: AbortSignal,
    ): Promise<AgentRunResult | null> {
      const release = app.currentReleaseId ? await store.releases.get(app.currentReleaseId) : null;
      if (!release?.imageId || !app.currentDeploymentId)
        throw new BerthError('NO_RELEASE', `${app.name} has no deployed release to run a command of`, {
          hint: `Deploy it first: berth deploy ${app.name}`,
        });
      const session = await pickServer(app);
      const shared = await toShare(
        store,
        app,
        { deploymentId: app.currentDeploymentId, direction: 'forward', replicas: 1, restartId: null },
        { ...release, imageId: release.imageId },
        undefined,
        settings,
        { sealSecrets: sealerFor(keys, session.sealingKey), registry: await images.registryAccess(session) },
      );
      onStarted({ server: session.serverName, release: release.version });
      const result = await session.stream(
        {
          method: 'run',
          params: { runId: request.runId, app: shared, cmd: [...request.cmd], timeoutMs: request.timeoutMs },
        },
        onLines,
        signal,
      );
      if (signal.aborted || result === undefined) return null;
      return AgentRunResult.parse(result);
    },
  };
}
