import { GENERATED_DOCKERFILE_PATH, appImageTag, formatDuration, type BaseImages } from '@berth/core';
import { buildImage, imageLabels, packDirectory, type EngineHttpClient } from '@berth/engine';
import { BerthError, type AgentBuildParams, type AgentBuildResult } from '@berth/protocol';
import { baseImagesOf, planSourceBuild } from './plan.js';
import { fetchBuildSource, type SourceDeps } from './source.js';

/** How long a finished build's outcome is kept for a berthd that re-attaches after a restart. */
const KEEP_FINISHED_MS = 10 * 60_000;

interface RunningBuild {
  lines: string[];
  listeners: Set<(line: string) => void>;
  outcome: Promise<AgentBuildResult>;
  abort: AbortController;
}

export interface BuildExecutorDeps extends SourceDeps {
  http: EngineHttpClient;
  baseImages: BaseImages;
  clock?: () => number;
}

/**
 * Builds on this server: fetch the source, decide how to build it, build the image through the
 * engine. A build keeps running when berthd goes away; berthd re-attaching (same build id) gets
 * the lines it missed and the outcome. Only an explicit cancel (or the timeout) stops it.
 */
export class BuildExecutor {
  private readonly builds = new Map<string, RunningBuild>();

  constructor(private readonly deps: BuildExecutorDeps) {}

  /** Runs the build, or attaches to it when it already runs; lines go to onLine. */
  async run(
    params: AgentBuildParams,
    onLine: (line: string) => void,
    cancel: AbortSignal,
    /** The caller stops watching (the build goes on). */
    stopWatching: AbortSignal = cancel,
  ): Promise<AgentBuildResult> {
    let build = this.builds.get(params.buildId);
    if (build) {
      for (const l of build.lines.slice(params.fromLine)) onLine(l);
    } else {
      build = this.start(params);
    }
    const b = build;
    b.listeners.add(onLine);
    const onCancel = (): void => b.abort.abort(new BerthError('BUILD_CANCELLED', 'The build was cancelled'));
    cancel.addEventListener('abort', onCancel, { once: true });
    const unwatched = new Promise<never>((_resolve, reject) => {
      const stop = (): void => reject(new BerthError('AGENT_UNAVAILABLE', 'The build is no longer watched'));
      if (stopWatching.aborted) stop();
      else stopWatching.addEventListener('abort', stop, { once: true });
    });
    unwatched.catch(() => undefined);
    try {
      return await Promise.race([b.outcome, unwatched]);
    } finally {
      b.listeners.delete(onLine);
      cancel.removeEventListener('abort', onCancel);
    }
  }

  private start(params: AgentBuildParams): RunningBuild {
    const abort = new AbortController();
    const lines: string[] = [];
    const listeners = new Set<(line: string) => void>();
    const emit = (line: string): void => {
      lines.push(line);
      for (const l of listeners) l(line);
    };
    const timeout = AbortSignal.timeout(params.timeoutMs);
    const outcome = this.execute(params, emit, AbortSignal.any([abort.signal, timeout])).catch(
      (err: unknown) => {
        if (timeout.aborted) {
          throw new BerthError(
            'BUILD_TIMEOUT',
            `The build ran out of time (${formatDuration(params.timeoutMs)})`,
            {
              logs: lines.slice(-20),
            },
          );
        }
        if (abort.signal.aborted) throw new BerthError('BUILD_CANCELLED', 'The build was cancelled');
        throw err;
      },
    );
    const build: RunningBuild = { lines, listeners, abort, outcome };
    outcome
      .catch(() => undefined)
      .finally(() => setTimeout(() => this.builds.delete(params.buildId), KEEP_FINISHED_MS).unref());
    this.builds.set(params.buildId, build);
    return build;
  }

  private async execute(
    params: AgentBuildParams,
    emit: (line: string) => void,
    signal: AbortSignal,
  ): Promise<AgentBuildResult> {
    const clock = this.deps.clock ?? Date.now;
    const started = clock();
    const source = await fetchBuildSource(this.deps, params, emit, signal);
    try {
      const plan = await planSourceBuild(source.dir, this.deps.baseImages, emit);
      const dockerfile = 'generated' in plan.dockerfile ? GENERATED_DOCKERFILE_PATH : plan.dockerfile.path;
      if ('generated' in plan.dockerfile)
        await this.requireBaseImages(baseImagesOf(plan.dockerfile.generated));
      const tag = appImageTag(params.appName, source.commit);
      emit(`==> Building ${tag} with the ${plan.builder} builder`);
      const context = packDirectory(source.dir, {
        ignoreFiles: ['.dockerignore'],
        ...('generated' in plan.dockerfile && {
          extraFiles: { [GENERATED_DOCKERFILE_PATH]: plan.dockerfile.generated },
        }),
      });
      const { imageId } = await buildImage(this.deps.http, {
        context: context.stream,
        dockerfile,
        tag,
        labels: { 'berth.app': params.appId, 'berth.build': params.buildId, 'berth.commit': source.commit },
        signal,
        onLine: (l) => emit(l),
      });
      emit(`==> Built ${tag} (${imageId.slice(7, 19)}) in ${formatDuration(clock() - started)}`);
      return {
        image: tag,
        imageId,
        commit: source.commit,
        subject: source.subject,
        builder: plan.builder,
        port: plan.port,
        healthPath: plan.healthPath,
        env: plan.env,
        replicas: plan.replicas,
      };
    } finally {
      await source.cleanup();
    }
  }

  private async requireBaseImages(images: string[]): Promise<void> {
    for (const image of images) {
      if ((await imageLabels(this.deps.http, image)) !== null) continue;
      throw new BerthError('BUILD_BASE_IMAGE_MISSING', `The base image ${image} is not on this server`, {
        hint: 'Build the base images with: berth images bootstrap (or set base_image in berth.yaml)',
      });
    }
  }
}
