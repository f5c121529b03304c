/**
 * The ContainerEngine adapter for the Docker Engine API, served by Docker and by Podman's
 * compatible service (`podman system service`). Transport: ./engine-http.ts (why not dockerode
 * is explained there).
 */
import type { IncomingMessage } from 'node:http';
import { BerthError } from '@berth/protocol';
import { createEngineHttpClient, engineMessage, parseMaybeJson, readAll } from './engine-http.js';
import type { EngineHttpClient, EngineResponse } from './engine-http.js';
import {
  asString,
  asRecord,
  toApiVersion,
  toContainerDetails,
  toContainerIds,
  toEngineCapacity,
  toEngineInfo,
} from './engine-json.js';
import { toHostConfig } from './hardening.js';
import { startExec } from './exec.js';
import { resolveImage } from './image-resolve.js';
import { pullImage, pushImage } from './image-transfer.js';
import { toLogLines } from './log-stream.js';
import { ensureNetwork, listNetworks, removeNetwork } from './networks.js';
import { ensureVolume, listVolumes, removeVolume } from './volumes.js';
import type {
  ContainerDetails,
  ContainerEngine,
  ContainerLogLine,
  LogOptions,
  ReplicaContainerSpec,
} from './types.js';

export interface DockerApiEngineOptions {
  socketPath: string;
  /** Deadline of each request that is not a stream. */
  timeoutMs?: number;
  /** Deadline of a whole image pull or push. */
  pullTimeoutMs?: number;
}

/** The newest API version this adapter was written against; older engines are spoken to in theirs. */
const NEWEST_API_VERSION = '1.44';
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_PULL_TIMEOUT_MS = 15 * 60_000;
const INSPECT_CONCURRENCY = 8;
/** Docker's own rule for container names. */
const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,253}$/;
const IMAGE_ID = /^(?:sha256:)?[a-f0-9]{12,64}$/;

/**
 * The API client the engine adapter uses, speaking the engine's API version; other adapters on
 * the same socket (image builds) take one of their own.
 */
export function createEngineApiClient(options: { socketPath: string; timeoutMs?: number }): EngineHttpClient {
  const { socketPath } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const unversioned = createEngineHttpClient({
    socketPath,
    timeoutMs,
    versionPrefix: () => Promise.resolve(''),
  });
  let prefix: Promise<string> | null = null;
  const versionPrefix = (): Promise<string> => {
    prefix ??= unversioned.request({ method: 'GET', path: '/version' }).then(
      (res) => `/v${toApiVersion(toEngineInfo(res.body).apiVersion, NEWEST_API_VERSION)}`,
      (err: unknown) => {
        prefix = null; // an engine that was down may come up: ask again next time
        throw err;
      },
    );
    return prefix;
  };
  return createEngineHttpClient({ socketPath, timeoutMs, versionPrefix });
}

export function createDockerApiEngine(options: DockerApiEngineOptions): ContainerEngine {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const api = createEngineApiClient({ socketPath: options.socketPath, timeoutMs });
  const pullTimeoutMs = options.pullTimeoutMs ?? DEFAULT_PULL_TIMEOUT_MS;

  return {
    async info() {
      const res = await api.request({ method: 'GET', path: '/version' });
      expectStatus(res, [200], 'Reading the engine version');
      return toEngineInfo(res.body);
    },
    async capacity() {
      const res = await api.request({ method: 'GET', path: '/info' });
      expectStatus(res, [200], 'Reading the engine info');
      return toEngineCapacity(res.body);
    },
    resolveImage: (ref) => resolveImage(api, ref, pullTimeoutMs),
    createAndStart: (spec) => createAndStart(api, spec),
    list: (labels, listOptions) => list(api, labels, listOptions?.known),
    stopAndRemove: (id, timeoutSec) => stopAndRemove(api, id, timeoutSec, timeoutMs),
    logs: (id, logOptions) => logs(api, id, logOptions),
    imageUser: (imageId) => imageUser(api, imageId),
    hasImage: (imageId) => hasImage(api, imageId),
    exec: (containerId, spec) => startExec(api, pathId(containerId), spec),
    ensureNetwork: (spec) => ensureNetwork(api, spec),
    listNetworks: (labels) => listNetworks(api, labels),
    removeNetwork: (name) => removeNetwork(api, name),
    ensureVolume: (spec) => ensureVolume(api, spec),
    listVolumes: (labels) => listVolumes(api, labels),
    removeVolume: (name) => removeVolume(api, name),
    pushImage: (source, destination, pushOptions) =>
      pushImage({ api, timeoutMs, transferTimeoutMs: pullTimeoutMs }, source, destination, pushOptions),
    pullImage: (pinnedRef, access) =>
      pullImage({ api, timeoutMs, transferTimeoutMs: pullTimeoutMs }, pinnedRef, access),
  };
}

function expectStatus(res: EngineResponse, ok: number[], what: string): void {
  if (ok.includes(res.status)) return;
  throw new BerthError(
    'INTERNAL',
    `${what} failed: the engine answered ${res.status}: ${engineMessage(res.body)}`,
  );
}

const pathId = (id: string): string => {
  if (!CONTAINER_NAME.test(id))
    throw new BerthError('VALIDATION_FAILED', `Invalid container id or name: ${JSON.stringify(id)}`);
  return encodeURIComponent(id);
};

async function createAndStart(api: EngineHttpClient, spec: ReplicaContainerSpec): Promise<ContainerDetails> {
  if (!CONTAINER_NAME.test(spec.name)) {
    throw new BerthError('VALIDATION_FAILED', `Invalid container name: ${JSON.stringify(spec.name)}`);
  }
  const portKey = `${spec.port}/tcp`;
  const created = await api.request({
    method: 'POST',
    path: '/containers/create',
    query: { name: spec.name },
    body: {
      Image: spec.imageId,
      Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
      ...(spec.command === null
        ? {}
        : spec.replaceEntrypoint === true
          ? { Entrypoint: spec.command.slice(0, 1), Cmd: spec.command.slice(1) }
          : { Cmd: spec.command }),
      Labels: spec.labels,
      ...(spec.publish !== false && { ExposedPorts: { [portKey]: {} } }),
      HostConfig: toHostConfig(spec),
    },
  });
  if (created.status !== 201) throw createFailure(spec, created);
  const id = asString(asRecord(created.body).Id);

  try {
    const started = await api.request({ method: 'POST', path: `/containers/${pathId(id)}/start` });
    if (started.status !== 204 && started.status !== 304) {
      throw new BerthError(
        'DEPLOY_START_FAILED',
        `Starting container ${spec.name} failed: ${engineMessage(started.body)}`,
        {
          hint: 'The engine refused to start it; its message says why (a port or address that cannot be bound, a missing file, …).',
        },
      );
    }
    const inspected = await api.request({ method: 'GET', path: `/containers/${pathId(id)}/json` });
    expectStatus(inspected, [200], `Inspecting container ${spec.name}`);
    return toContainerDetails(inspected.body, spec.port);
  } catch (err) {
    await removeQuietly(api, id);
    throw err;
  }
}

function createFailure(spec: ReplicaContainerSpec, res: EngineResponse): BerthError {
  const message = engineMessage(res.body);
  // Docker says 409; Podman's compat service says 500 "…is already in use…".
  if (res.status === 409 || /already in use/i.test(message)) {
    return new BerthError(
      'DEPLOY_START_FAILED',
      `A container named ${spec.name} already exists: ${message}`,
      {
        hint: `Remove the leftover container (podman rm -f ${spec.name}, or docker rm -f ${spec.name}) or use another name.`,
      },
    );
  }
  if (res.status === 404) {
    return new BerthError(
      'DEPLOY_START_FAILED',
      `Image ${spec.imageId} is not in the engine's store: ${message}`,
      {
        hint: 'The image was removed after it was resolved (image pruning?); deploy again to pull or build it.',
      },
    );
  }
  return new BerthError('DEPLOY_START_FAILED', `Creating container ${spec.name} failed: ${message}`);
}

async function removeQuietly(api: EngineHttpClient, id: string): Promise<void> {
  try {
    await api.request({
      method: 'DELETE',
      path: `/containers/${pathId(id)}`,
      query: { force: true, v: true },
    });
  } catch {
    // Best effort: the caller reports the original failure; the agent collects orphans by label.
  }
}

async function list(
  api: EngineHttpClient,
  labels: Record<string, string>,
  known: ReadonlyMap<string, ContainerDetails> = new Map(),
): Promise<ContainerDetails[]> {
  const filters = JSON.stringify({ label: Object.entries(labels).map(([key, value]) => `${key}=${value}`) });
  const res = await api.request({ method: 'GET', path: '/containers/json', query: { all: true, filters } });
  expectStatus(res, [200], 'Listing containers');
  // The list lacks StartedAt and the exit code (Docker and Podman alike): inspect each.
  const inspected = await mapLimit(toContainerIds(res.body), INSPECT_CONCURRENCY, async (id) => {
    const seen = known.get(id);
    if (seen) return seen;
    const one = await api.request({ method: 'GET', path: `/containers/${pathId(id)}/json` });
    if (isGone(one)) return null; // removed between list and inspect
    expectStatus(one, [200], `Inspecting container ${id}`);
    return toContainerDetails(one.body);
  });
  return inspected.filter((c): c is ContainerDetails => c !== null);
}

/** Docker answers 404 for a container removed meanwhile; Podman 4 sometimes 500 "no such container". */
const isGone = (res: EngineResponse): boolean =>
  res.status === 404 || (res.status === 500 && /no such container/i.test(engineMessage(res.body)));

async function stopAndRemove(
  api: EngineHttpClient,
  id: string,
  timeoutSec: number,
  timeoutMs: number,
): Promise<void> {
  const path = `/containers/${pathId(id)}`;
  const t = Math.max(0, Math.ceil(timeoutSec));
  // 304: already stopped. Any other failure is left to the forced removal below, which kills.
  const stopped = await api.request({
    method: 'POST',
    path: `${path}/stop`,
    query: { t },
    timeoutMs: t * 1000 + timeoutMs,
  });
  if (stopped.status === 404) return;

  // After a hard kill Podman can still think a container is up and fail the first removal.
  let last: EngineResponse | null = null;
  for (let attempt = 0; attempt < 2; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 250));
    last = await api.request({ method: 'DELETE', path, query: { force: true, v: true } });
    if ([200, 204, 404].includes(last.status)) return;
  }
  throw new BerthError('INTERNAL', `Removing container ${id} failed: ${engineMessage(last?.body)}`, {
    hint: `Remove it by hand: podman rm -f -t0 ${id} (twice if needed), then runc delete --force ${id}.`,
  });
}

async function* logs(
  api: EngineHttpClient,
  id: string,
  options: LogOptions,
): AsyncGenerator<ContainerLogLine> {
  const { signal } = options;
  if (signal?.aborted) return;
  let res: IncomingMessage;
  try {
    res = await api.openStream({
      method: 'GET',
      path: `/containers/${pathId(id)}/logs`,
      query: {
        stdout: 1,
        stderr: 1,
        timestamps: 1,
        follow: options.follow ? 1 : 0,
        tail: Math.max(0, Math.floor(options.tail)),
      },
      signal,
    });
  } catch (err) {
    if (signal?.aborted) return;
    throw err;
  }
  try {
    // A container that is gone has no logs; the agent may ask about one it just removed.
    if (res.statusCode === 404) return;
    if (res.statusCode !== 200) {
      const body = await readAll(res);
      throw new BerthError(
        'INTERNAL',
        `Reading logs of container ${id} failed: ${engineMessage(parseMaybeJson(body))}`,
      );
    }
    options.onOpen?.();
    yield* toLogLines(res);
  } catch (err) {
    if (signal?.aborted) return;
    throw err;
  } finally {
    res.destroy();
  }
}

async function imageUser(api: EngineHttpClient, imageId: string): Promise<string> {
  if (!IMAGE_ID.test(imageId))
    throw new BerthError('VALIDATION_FAILED', `Invalid image id: ${JSON.stringify(imageId)}`);
  const res = await api.request({ method: 'GET', path: `/images/${imageId}/json` });
  expectStatus(res, [200], `Inspecting image ${imageId}`);
  return asString(asRecord(asRecord(res.body).Config).User);
}

async function hasImage(api: EngineHttpClient, imageId: string): Promise<boolean> {
  if (!IMAGE_ID.test(imageId))
    throw new BerthError('VALIDATION_FAILED', `Invalid image id: ${JSON.stringify(imageId)}`);
  const res = await api.request({ method: 'GET', path: `/images/${imageId}/json` });
  if (res.status === 404) return false;
  expectStatus(res, [200], `Inspecting image ${imageId}`);
  // The engine finds an image by an id prefix too: only the whole id counts.
  const id = asString(asRecord(res.body).Id);
  return (id.startsWith('sha256:') ? id : `sha256:${id}`) === imageId;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
