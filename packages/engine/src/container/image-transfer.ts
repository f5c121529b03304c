/**
 * Pushing and pulling images through a registry with Podman's own API (`/libpod/images/…`).
 * Why not the Docker-compatible endpoints: Podman 4.3's compat push ignores `compressionFormat`
 * (it pushed gzip layers when asked for zstd, tried here), and its compat pull has no
 * `tlsVerify`. A push goes by image id, so a tag moved locally meanwhile cannot change what is
 * sent; its result is read back from the registry and must name that image id as its config.
 * A pull takes a digest, never a tag.
 */
import { imageHasName, parseImageRef } from '@berth/core';
import { BerthError, IMAGE_REF_PATTERN } from '@berth/protocol';
import { readStoredManifest } from '../registry/manifest.js';
import { engineMessage, parseMaybeJson, readAll } from './engine-http.js';
import type { EngineHttpClient } from './engine-http.js';
import { asRecord, asString, toEngineInfo } from './engine-json.js';
import { toPullError } from './image-pull.js';
import {
  isAuthRefusal,
  readTransferProgress,
  toAuthError,
  toRegistryAuthHeader,
} from './transfer-progress.js';
import type { PushedImage, PushOptions, RegistryAccess } from './types.js';

const IMAGE_ID = /^(?:sha256:)?[a-f0-9]{12,64}$/;

export interface TransferDeps {
  api: EngineHttpClient;
  /** Deadline of a whole push or pull. */
  transferTimeoutMs: number;
  /** Deadline of each other request (inspect, reading the manifest back). */
  timeoutMs: number;
}

/** `registry`, `repository`, and the tag or digest of a reference that names its registry explicitly. */
function toRemoteRef(
  ref: string,
  what: string,
): { registry: string; repository: string; tag: string | null; digest: string | null } {
  const parts = ref.length <= 255 && IMAGE_REF_PATTERN.test(ref) ? parseImageRef(ref) : null;
  // Without an explicit registry a name means Docker Hub; `localhost/…` is this host's own images.
  if (parts === null || !ref.startsWith(`${parts.registry}/`) || parts.registry === 'localhost') {
    throw new BerthError(
      'VALIDATION_FAILED',
      `Invalid ${what}: ${JSON.stringify(ref)} (it must start with the registry's host:port)`,
    );
  }
  return { registry: parts.registry, repository: parts.path, tag: parts.tag, digest: parts.digest };
}

async function requirePodman(api: EngineHttpClient, what: string): Promise<void> {
  const res = await api.request({ method: 'GET', path: '/version' });
  if (res.status === 200 && toEngineInfo(res.body).kind === 'podman') return;
  throw new BerthError('ENGINE_UNAVAILABLE', `${what} needs Podman's API; this engine is not Podman`, {
    hint: 'Run the agent with Podman (Docker support for registry pushes is not built yet).',
  });
}

async function inspectImageId(api: EngineHttpClient, source: string): Promise<string> {
  const isId = IMAGE_ID.test(source);
  if (!isId && (source.length > 255 || !IMAGE_REF_PATTERN.test(source))) {
    throw new BerthError('VALIDATION_FAILED', `Invalid image to push: ${JSON.stringify(source)}`);
  }
  const res = await api.request({ method: 'GET', path: `/images/${source}/json` });
  if (res.status === 404) {
    throw new BerthError('DEPLOY_IMAGE_NOT_FOUND', `Image ${source} is not in the engine's store`);
  }
  if (res.status !== 200) {
    throw new BerthError(
      'REGISTRY_PUSH_FAILED',
      `Inspecting image ${source} failed: ${engineMessage(res.body)}`,
    );
  }
  const image = asRecord(res.body);
  const names = (v: unknown): string[] => (Array.isArray(v) ? v.filter((n) => typeof n === 'string') : []);
  // The engine also finds short names and digests under any name: only the exact name counts.
  if (
    !isId &&
    !imageHasName(source, { repoTags: names(image.RepoTags), repoDigests: names(image.RepoDigests) })
  ) {
    throw new BerthError('DEPLOY_IMAGE_NOT_FOUND', `Image ${source} is not in the engine's store`);
  }
  const id = asString(image.Id);
  return id.startsWith('sha256:') ? id : `sha256:${id}`;
}

/** Runs a libpod push or pull to its end; returns the engine's report, or throws with its words. */
async function transfer(
  deps: TransferDeps,
  request: { path: string; query: Record<string, string | boolean>; access: RegistryAccess },
  describe: { what: string; registry: string },
): Promise<Awaited<ReturnType<typeof readTransferProgress>>> {
  const signal = AbortSignal.timeout(deps.transferTimeoutMs);
  try {
    const res = await deps.api.openStream({
      method: 'POST',
      path: request.path,
      query: { ...request.query, tlsVerify: request.access.scheme === 'https', quiet: false },
      headers: { 'X-Registry-Auth': toRegistryAuthHeader(request.access.credentials) },
      signal,
    });
    try {
      if (res.statusCode === 200) return await readTransferProgress(res);
      const message = engineMessage(parseMaybeJson(await readAll(res)));
      return { error: message, imageId: null, manifestDigest: null };
    } finally {
      res.destroy();
    }
  } catch (err) {
    if (!signal.aborted) throw err;
    throw new BerthError(
      'REGISTRY_PUSH_FAILED',
      `${describe.what} did not finish within ${deps.transferTimeoutMs / 1000} s`,
      { hint: `Check that ${describe.registry} is reachable and fast enough from this server.` },
    );
  }
}

export async function pushImage(
  deps: TransferDeps,
  source: string,
  destination: string,
  options: PushOptions,
): Promise<PushedImage> {
  const target = toRemoteRef(destination, 'push destination');
  if (target.tag === null || target.digest !== null) {
    throw new BerthError('VALIDATION_FAILED', `A push destination needs a tag and no digest: ${destination}`);
  }
  await requirePodman(deps.api, 'Pushing an image');
  const imageId = await inspectImageId(deps.api, source);
  const what = `Pushing ${source} to ${destination}`;
  const report = await transfer(
    deps,
    {
      path: `/libpod/images/${imageId.slice('sha256:'.length)}/push`,
      query: { destination, compressionFormat: options.compression },
      access: options,
    },
    { what, registry: target.registry },
  );
  if (report.error !== null) {
    if (isAuthRefusal(report.error)) throw toAuthError(what, target.registry, report.error);
    throw new BerthError('REGISTRY_PUSH_FAILED', `${what} failed: ${report.error}`, {
      hint: `Check that the registry at ${target.registry} runs, is reachable, and has room.`,
    });
  }
  const stored = await readStoredManifest(
    { registry: target.registry, repository: target.repository, reference: target.tag },
    options,
    deps.timeoutMs,
  );
  // Someone else's push to the same tag between ours and this read would show here.
  if (
    stored.configDigest !== imageId ||
    (report.manifestDigest !== null && report.manifestDigest !== stored.digest)
  ) {
    throw new BerthError(
      'REGISTRY_PUSH_FAILED',
      `${what}: the registry's ${target.tag} now holds another image (${stored.configDigest}, not ${imageId})`,
      { hint: 'Another push to the same tag raced this one; push again.' },
    );
  }
  return {
    digest: stored.digest,
    imageId,
    pinnedRef: `${target.registry}/${target.repository}@${stored.digest}`,
  };
}

export async function pullImage(
  deps: TransferDeps,
  pinnedRef: string,
  access: RegistryAccess,
): Promise<{ imageId: string }> {
  const source = toRemoteRef(pinnedRef, 'image to pull');
  if (source.digest === null) {
    throw new BerthError('VALIDATION_FAILED', `Images are pulled by digest, never by tag: ${pinnedRef}`, {
      hint: 'Pull registry/repository@sha256:<digest>, the name a push returned.',
    });
  }
  await requirePodman(deps.api, 'Pulling an image from a registry');
  const reference = `${source.registry}/${source.repository}@${source.digest}`;
  const what = `Pulling ${reference}`;
  const report = await transfer(
    deps,
    // `always`, not `missing`: Podman would take an image with that digest under another name as
    // present and skip the pull (and the login check); layers already held are not fetched again.
    { path: '/libpod/images/pull', query: { reference, policy: 'always' }, access },
    { what, registry: source.registry },
  );
  if (report.error !== null) {
    if (isAuthRefusal(report.error)) throw toAuthError(what, source.registry, report.error);
    throw toPullError(reference, report.error);
  }
  const res = await deps.api.request({ method: 'GET', path: `/images/${reference}/json` });
  const image = asRecord(res.body);
  const digests = Array.isArray(image.RepoDigests)
    ? image.RepoDigests.filter((d) => typeof d === 'string')
    : [];
  if (res.status !== 200 || !imageHasName(reference, { repoTags: [], repoDigests: digests })) {
    throw new BerthError('DEPLOY_IMAGE_PULL_FAILED', `${what}: the engine cannot find the image it pulled`);
  }
  const id = asString(image.Id);
  return { imageId: id.startsWith('sha256:') ? id : `sha256:${id}` };
}
