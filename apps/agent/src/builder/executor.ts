import { GENERATED_DOCKERFILE_PATH, appImageTag, formatDuration, type BaseImages } from '@berth/core';
import {
  buildImage,
  imageLabels,
  packDirectory,
  readFileBeneath,
  type EngineHttpClient,
  type SandboxedBuilder,
} from '@berth/engine';
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

/** A Dockerfile larger than this is not one. */
const MAX_DOCKERFILE_BYTES = 1024 * 1024;

export interface BuildExecutorDeps extends SourceDeps {
  /** The engine that runs apps: the built image is handed to it. Builds never run on it. */
  engine: EngineHttpClient;
  /** Where builds run; an error when the sandbox cannot run on this host (builds are then off). */
  builder: SandboxedBuilder | BerthError;
  /** Brings the host firewall for builds up to date; a warning when it is not in force. */
  firewall?: { ensure(): Promise<string | null> };
  baseImages: BaseImages;
  clock?: () => number;
}

/**
 * Builds on this server: fetch the source, decide how to build it, build the image in the build
 * sandbox (on the team's own storage), hand it to the engine. A build keeps running when berthd
 * goes away; berthd re-attaching (same build id) gets the lines it missed and the outcome. Only
 * an explicit cancel (or the timeout) stops it, and stopping kills the sandbox.
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
    const { builder } = this.deps;
    if (builder instanceof BerthError) throw builder;
    const clock = this.deps.clock ?? Date.now;
    const started = clock();
    const source = await fetchBuildSource(this.deps, params, emit, signal);
    try {
      const plan = await planSourceBuild(source.dir, this.deps.baseImages, emit);
      const dockerfile =
        'generated' in plan.dockerfile
          ? plan.dockerfile.generated
          : await readDockerfile(source.dir, plan.dockerfile.path);
      const tag = appImageTag(params.appName, source.commit);
      const offline = params.network === 'none' ? ', without network' : '';
      emit(`==> Building ${tag} with the ${plan.builder} builder (in the build sandbox${offline})`);
      if (params.network === 'egress') {
        const warning = (await this.deps.firewall?.ensure()) ?? null;
        if (warning !== null) emit(`==> ${warning}`);
      }
      await builder.team(params.teamId, params.network, signal, async ({ http }) => {
        if ('generated' in plan.dockerfile) await this.requireBaseImages(http, baseImagesOf(dockerfile));
        // The Dockerfile always reaches the builder under one fixed name: no name of the user's
        // choosing (`*.in` would be run through cpp) and no path that could lead elsewhere.
        const context = packDirectory(source.dir, {
          ignoreFiles: ['.dockerignore'],
          extraFiles: { [GENERATED_DOCKERFILE_PATH]: dockerfile },
        });
        await buildImage(http, {
          context: context.stream,
          dockerfile: GENERATED_DOCKERFILE_PATH,
          tag,
          labels: { 'berth.app': params.appId, 'berth.build': params.buildId, 'berth.commit': source.commit },
          ...(params.network === 'none' && { networkMode: 'none' as const }),
          signal,
          onLine: (l) => emit(l),
        });
      });
      emit(`==> Handing ${tag} to the engine`);
      const imageId = await builder.exportToEngine(params.teamId, {
        image: tag,
        engineRef: tag,
        engine: this.deps.engine,
        signal,
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

  private async requireBaseImages(http: EngineHttpClient, images: string[]): Promise<void> {
    for (const image of images) {
      if ((await imageLabels(http, image)) !== null) continue;
      throw new BerthError('BUILD_BASE_IMAGE_MISSING', `The base image ${image} is not on this server`, {
        hint: 'Build the base images with: berth images bootstrap (or set base_image in berth.yaml)',
      });
    }
  }
}

/** The Dockerfile's text, read beneath the source's root (a link out of it is not followed). */
async function readDockerfile(dir: string, path: string): Promise<string> {
  const text = await readFileBeneath(dir, path, MAX_DOCKERFILE_BYTES);
  if (text === null) {
    throw new BerthError('BUILD_FAILED', `${path} is not a file of the source (or is larger than 1 MiB)`, {
      hint: 'A Dockerfile must be a regular file inside the repository or directory; links may not lead out of it',
    });
  }
  return text;
}
