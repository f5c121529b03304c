/**
 * Building an image from a tar context through the engine's POST /build (Docker's classic
 * builder; Podman runs buildah behind it). Layer caching is the engine's: a rebuild with one
 * changed file reuses the layers before the step that copies it. No overall deadline here: the
 * caller's signal bounds the build. Berth calls it on the build sandbox's Podman, never on the
 * engine that runs apps (see ./sandbox/).
 */
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { BerthError, IMAGE_REF_PATTERN, REL_PATH_PATTERN } from '@berth/protocol';
import { engineMessage, parseMaybeJson, readAll } from '../container/engine-http.js';
import type { EngineHttpClient } from '../container/engine-http.js';
import { asRecord, asString } from '../container/engine-json.js';
import { splitImageRef } from '../container/image-pull.js';
import { createBuildOutputParser } from './build-output.js';
import type { BuildOutcome } from './build-output.js';

export interface BuildImageOptions {
  context: Readable;
  /** Path of the Dockerfile inside the context. */
  dockerfile: string;
  /** Fully qualified (`localhost/berth/app:tag`): the compat API would otherwise prefix docker.io/. */
  tag: string;
  labels?: Record<string, string>;
  /** `ARG` values; they take part in the cache key of the steps that use them. */
  buildArgs?: Record<string, string>;
  /** Build every step again instead of reusing cached layers. */
  noCache?: boolean;
  /** `none`: RUN steps get only a loopback interface. Default: the engine's (a network). */
  networkMode?: 'none';
  signal?: AbortSignal;
  onLine?: (line: string) => void;
}

/** setTimeout's largest delay: the request waits for headers as long as the build takes. */
const NO_DEADLINE_MS = 2_147_483_647;
const LOG_LINES = 30;

export async function buildImage(http: EngineHttpClient, o: BuildImageOptions): Promise<{ imageId: string }> {
  try {
    validate(o);
  } catch (err) {
    o.context.destroy();
    throw err;
  }
  const signal = o.signal ?? new AbortController().signal;
  // The packer fails the stream (e.g. the context is too large); that is the error to report.
  const failed: { context: Error | null } = { context: null };
  o.context.once('error', (err) => (failed.context = err));
  const parser = createBuildOutputParser(o.onLine ?? (() => undefined));
  let res: IncomingMessage | null = null;
  try {
    res = await http.openStream({
      method: 'POST',
      path: '/build',
      query: {
        dockerfile: o.dockerfile,
        t: o.tag,
        rm: 1,
        forcerm: 1,
        nocache: o.noCache ? 1 : undefined,
        labels: o.labels ? JSON.stringify(o.labels) : undefined,
        buildargs: o.buildArgs ? JSON.stringify(o.buildArgs) : undefined,
        networkmode: o.networkMode,
      },
      upload: { stream: o.context, contentType: 'application/x-tar' },
      signal,
      timeoutMs: NO_DEADLINE_MS,
    });
    if (res.statusCode !== 200) {
      const message = engineMessage(parseMaybeJson(await readAll(res)));
      throw new BerthError('BUILD_FAILED', `The engine refused the build: ${message}`);
    }
    res.setEncoding('utf8');
    for await (const chunk of res as AsyncIterable<string>) parser.push(chunk);
  } catch (err) {
    if (signal.aborted) throw cancelled(signal);
    if (failed.context !== null) throw failed.context;
    throw err;
  } finally {
    res?.destroy();
  }
  if (failed.context !== null) throw failed.context;
  return { imageId: await toImageId(http, o.tag, parser.end()) };
}

function validate(o: BuildImageOptions): void {
  if (o.tag.length > 255 || !IMAGE_REF_PATTERN.test(o.tag) || splitImageRef(o.tag).registry === null) {
    throw new BerthError('VALIDATION_FAILED', `Invalid image tag for a build: ${JSON.stringify(o.tag)}`, {
      hint: 'Give a fully qualified name such as localhost/berth/app:tag.',
    });
  }
  if (!REL_PATH_PATTERN.test(o.dockerfile)) {
    throw new BerthError('VALIDATION_FAILED', `Invalid Dockerfile path: ${JSON.stringify(o.dockerfile)}`);
  }
}

async function toImageId(http: EngineHttpClient, tag: string, outcome: BuildOutcome): Promise<string> {
  if (outcome.error !== null) {
    const at = outcome.step === null ? '' : ` at ${truncate(outcome.step, 160)}`;
    throw new BerthError(
      'BUILD_FAILED',
      `The build failed${at}: ${truncate(withoutStep(outcome.error), 500)}`,
      {
        logs: outcome.lastLines.slice(-LOG_LINES),
        hint: 'The log lines show the output of the failing step.',
      },
    );
  }
  if (outcome.imageId !== null) return outcome.imageId;
  // Engines that do not report the id in `aux` still tagged the image.
  const res = await http.request({ method: 'GET', path: `/images/${tag}/json` });
  const id = asString(asRecord(res.body).Id);
  if (res.status !== 200 || id === '') {
    throw new BerthError('BUILD_FAILED', `The build ended without an image: ${engineMessage(res.body)}`, {
      logs: outcome.lastLines.slice(-LOG_LINES),
    });
  }
  return id.startsWith('sha256:') ? id : `sha256:${id}`;
}

const truncate = (text: string, max: number): string =>
  text.length > max ? `${text.slice(0, max - 1)}…` : text;

/** Podman repeats the whole step: `building at STEP "RUN …": while running runtime: exit status 1`. */
function withoutStep(error: string): string {
  if (!error.startsWith('building at STEP "')) return error;
  const end = error.lastIndexOf('": ');
  return end === -1 ? error : error.slice(end + 3);
}

/**
 * The caller's reason when it is a BerthError (e.g. BUILD_TIMEOUT), else BUILD_CANCELLED.
 * Stopping what runs is the caller's part: Podman keeps a RUN step running after its client
 * went away, so builds run in a sandbox that the caller kills (./sandbox/sandboxed-builder.ts).
 */
function cancelled(signal: AbortSignal): BerthError {
  if (signal.reason instanceof BerthError) return signal.reason;
  return new BerthError('BUILD_CANCELLED', 'The build was cancelled');
}
