/**
 * Finding an image in the engine's store, pulling it when missing. I/O; the classification of
 * pull failures is pure and lives in ./image-pull.ts.
 */
import { BerthError, IMAGE_REF_PATTERN } from '@berth/protocol';
import { engineMessage, parseMaybeJson, readAll } from './engine-http.js';
import type { EngineHttpClient } from './engine-http.js';
import { asRecord, asString } from './engine-json.js';
import { readPullProgress, splitImageRef, toPullError } from './image-pull.js';
import type { ResolvedImage } from './types.js';

async function inspectImage(api: EngineHttpClient, ref: string): Promise<string | null> {
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
  const id = asString(asRecord(res.body).Id);
  return id.startsWith('sha256:') ? id : `sha256:${id}`;
}

export async function resolveImage(
  api: EngineHttpClient,
  ref: string,
  pullTimeoutMs: number,
): Promise<ResolvedImage> {
  if (ref.length > 255 || !IMAGE_REF_PATTERN.test(ref)) {
    throw new BerthError('VALIDATION_FAILED', `Invalid image reference: ${JSON.stringify(ref)}`);
  }
  const present = await inspectImage(api, ref);
  if (present !== null) return { imageId: present, pulled: false };

  const failure = await pullImage(api, ref, pullTimeoutMs);
  if (failure !== null) throw toPullError(ref, failure);

  const pulled = await inspectImage(api, ref);
  if (pulled === null) {
    throw new BerthError(
      'DEPLOY_IMAGE_PULL_FAILED',
      `Image ${ref} was pulled but the engine cannot find it by that name`,
    );
  }
  return { imageId: pulled, pulled: true };
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
