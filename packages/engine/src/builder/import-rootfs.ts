/**
 * Images from a root file system tar (debootstrap's output), and reading an image's labels.
 *
 * Import uses the compat API's `POST /images/create?fromSrc=-` (what `docker import` calls);
 * Podman 4.3 supports it, with `changes` applied, but ignores the separate `tag` parameter and
 * tags `:latest`. The Docker API allows the tag inside `repo` (`repo=localhost/x:tag`), which
 * both engines honour, so that is how the name is passed. (The libpod endpoint
 * `/libpod/images/import?reference=` works too, but would tie this adapter to Podman.)
 */
import type { Readable } from 'node:stream';
import { BerthError, IMAGE_REF_PATTERN } from '@berth/protocol';
import { engineMessage, parseMaybeJson, readAll } from '../container/engine-http.js';
import type { EngineHttpClient } from '../container/engine-http.js';
import { asRecord, asString } from '../container/engine-json.js';
import { readPullProgress, splitImageRef } from '../container/image-pull.js';

export interface ImportRootfsOptions {
  labels?: Record<string, string>;
  /** Dockerfile instructions applied to the image, e.g. `ENV LANG=C.UTF-8`, `CMD ["bash"]`. */
  changes?: string[];
  signal?: AbortSignal;
}

export interface ImageSummary {
  id: string;
  labels: Record<string, string>;
}

const IMPORT_TIMEOUT_MS = 30 * 60_000;
const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/;
/** Printable ASCII except what Dockerfile quoting would interpret (`"`, `\`, `$`). */
const LABEL_VALUE = /^[\x20-\x21\x23\x25-\x5b\x5d-\x7e]{0,1024}$/;

export async function importRootfs(
  http: EngineHttpClient,
  tar: Readable,
  ref: string,
  o: ImportRootfsOptions = {},
): Promise<{ imageId: string }> {
  checkRef(ref);
  if (splitImageRef(ref).registry === null) {
    throw new BerthError(
      'VALIDATION_FAILED',
      `Import under a fully qualified name, not ${JSON.stringify(ref)}`,
    );
  }
  const changes = [...(o.changes ?? []), ...labelChanges(o.labels ?? {})];
  for (const change of changes) {
    if (/[\0-\x1f\x7f]/.test(change)) {
      throw new BerthError(
        'VALIDATION_FAILED',
        `An image change must be one line: ${JSON.stringify(change)}`,
      );
    }
  }
  const res = await http.openStream({
    method: 'POST',
    path: '/images/create',
    query: { fromSrc: '-', repo: ref, changes },
    upload: { stream: tar, contentType: 'application/x-tar' },
    signal: o.signal ?? AbortSignal.timeout(IMPORT_TIMEOUT_MS),
    timeoutMs: IMPORT_TIMEOUT_MS,
  });
  try {
    const failure =
      res.statusCode === 200
        ? await readPullProgress(res)
        : engineMessage(parseMaybeJson(await readAll(res)));
    if (failure !== null) throw new BerthError('INTERNAL', `Importing ${ref} failed: ${failure}`);
  } finally {
    res.destroy();
  }
  const imported = await inspectImage(http, ref);
  if (imported === null) {
    throw new BerthError('INTERNAL', `Imported ${ref}, but the engine cannot find it by that name`);
  }
  return { imageId: imported.id };
}

/**
 * One `LABEL` per label: Podman 4.3 parses a change's `LABEL "a"="1" "b"="2"` as the single
 * label `a` with the value `1" "b"="2`.
 */
function labelChanges(labels: Record<string, string>): string[] {
  return Object.entries(labels).map(([key, value]) => {
    if (!LABEL_KEY.test(key) || !LABEL_VALUE.test(value)) {
      throw new BerthError(
        'VALIDATION_FAILED',
        `Invalid image label ${JSON.stringify(key)}=${JSON.stringify(value)}`,
      );
    }
    return `LABEL "${key}"="${value}"`;
  });
}

/** The image's labels, or null when no image has that name. */
export async function imageLabels(
  http: EngineHttpClient,
  ref: string,
): Promise<Record<string, string> | null> {
  return (await inspectImage(http, ref))?.labels ?? null;
}

export async function inspectImage(http: EngineHttpClient, ref: string): Promise<ImageSummary | null> {
  checkRef(ref);
  // Checked against IMAGE_REF_PATTERN: safe in the path, whose slashes the engine's router expects as they are.
  const res = await http.request({ method: 'GET', path: `/images/${ref}/json` });
  if (res.status === 404) return null;
  if (res.status !== 200) {
    throw new BerthError('INTERNAL', `Inspecting image ${ref} failed: ${engineMessage(res.body)}`);
  }
  const body = asRecord(res.body);
  const id = asString(body.Id);
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(asRecord(asRecord(body.Config).Labels))) {
    if (typeof value === 'string') labels[key] = value;
  }
  return { id: id.startsWith('sha256:') ? id : `sha256:${id}`, labels };
}

function checkRef(ref: string): void {
  if (ref.length > 255 || !IMAGE_REF_PATTERN.test(ref)) {
    throw new BerthError('VALIDATION_FAILED', `Invalid image reference: ${JSON.stringify(ref)}`);
  }
}
