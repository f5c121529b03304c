/**
 * Finding an image in the engine's store, pulling it when missing. I/O; the classification of
 * pull failures is pure and lives in ./image-pull.ts.
 */
import { LABELS, imageHasName, toCanonicalImageRef } from '@berth/core';
import { BerthError, IMAGE_REF_PATTERN } from '@berth/protocol';
import { engineMessage, parseMaybeJson, readAll } from './engine-http.js';
import type { EngineHttpClient } from './engine-http.js';
import { asRecord, asString, toLabels } from './engine-json.js';
import { readPullProgress, splitImageRef, toPullError } from './image-pull.js';
import type { ResolvedImage } from './types.js';

interface FoundImage {
  id: string;
  /** The app id Berth labelled the image with when it built it, or null. */
  builtFor: string | null;
}

/**
 * The image stored under exactly this name, or null. The engine's own lookup is looser (short
 * names find `localhost/…` images, hex strings find images by id prefix, a digest finds an image
 * under any name), so what it answers counts only when the image carries the name asked for.
 */
async function inspectImage(api: EngineHttpClient, ref: string): Promise<FoundImage | null> {
  // The reference is checked against IMAGE_REF_PATTERN, so it is safe in the path unencoded
  // (the engine's router expects the slashes of `registry/repo` as they are).
  const res = await api.request({ method: 'GET', path: `/images/${ref}/json` });
  if (res.status === 404) return null;
  if (res.status !== 200) {
    throw new BerthError(
      'DEPLOY_IMAGE_PULL_FAILED',
      `Inspecting image ${ref} failed: ${engineMessage(res.body)}`,
    );
  }
  const image = asRecord(res.body);
  const names = (v: unknown): string[] => (Array.isArray(v) ? v.filter((n) => typeof n === 'string') : []);
  if (!imageHasName(ref, { repoTags: names(image.RepoTags), repoDigests: names(image.RepoDigests) }))
    return null;
  const id = asString(image.Id);
  const labels = toLabels(asRecord(image.Config).Labels);
  return { id: id.startsWith('sha256:') ? id : `sha256:${id}`, builtFor: labels[LABELS.app] ?? null };
}

/**
 * Resolves the canonical name of `ref` (`nginx:1` is `docker.io/library/nginx:1`, as Docker reads
 * it), pulling it when the store does not hold an image under that name.
 */
export async function resolveImage(
  api: EngineHttpClient,
  requested: string,
  pullTimeoutMs: number,
): Promise<ResolvedImage> {
  if (requested.length > 255 || !IMAGE_REF_PATTERN.test(requested)) {
    throw new BerthError('VALIDATION_FAILED', `Invalid image reference: ${JSON.stringify(requested)}`);
  }
  const ref = toCanonicalImageRef(requested);
  const present = await inspectImage(api, ref);
  if (present !== null) return { imageId: present.id, pulled: false, builtFor: present.builtFor };

  const failure = await pullImage(api, ref, pullTimeoutMs);
  if (failure !== null) throw toPullError(requested, failure);

  const pulled = await inspectImage(api, ref);
  if (pulled === null) {
    throw new BerthError(
      'DEPLOY_IMAGE_PULL_FAILED',
      `Image ${ref} was pulled but the engine cannot find it by that name`,
    );
  }
  return { imageId: pulled.id, pulled: true, builtFor: pulled.builtFor };
}

/** Pulls and returns the error the engine reported, or null on success. */
async function pullImage(api: EngineHttpClient, ref: string, pullTimeoutMs: number): Promise<string | null> {
  const { repository, tag } = splitImageRef(ref);
  const signal = AbortSignal.timeout(pullTimeoutMs);
  try {
    const res = await api.openStream({
      method: 'POST',
      path: '/images/create',
      query: { fromImage: repository, tag },
      signal,
    });
    try {
      if (res.statusCode === 200) return await readPullProgress(res);
      return engineMessage(parseMaybeJson(await readAll(res)));
    } finally {
      res.destroy();
    }
  } catch (err) {
    if (!signal.aborted) throw err;
    throw new BerthError(
      'DEPLOY_IMAGE_PULL_FAILED',
      `Pulling image ${ref} did not finish within ${pullTimeoutMs / 1000} s`,
      {
        hint: 'Check the registry is reachable and fast enough from the server, or load the image on the server.',
      },
    );
  }
}
