/**
 * Image references and pull failures. A pull's outcome is known only from its progress stream:
 * Podman's compat service answers 200 and reports `{"error": …}` inside the stream, Docker may
 * answer 404/500 up front. Both are classified here so the user learns whether the image does
 * not exist (fix the name, or build/load it) or the pull itself failed (retry, check the registry).
 */
import { BerthError } from '@berth/protocol';
import { asRecord, asString } from './engine-json.js';
import { forEachJsonLine } from './transfer-progress.js';

export interface ImageRefParts {
  /** Registry host (with port) if the reference names one, e.g. `localhost`, `ghcr.io`, `reg:5000`. */
  registry: string | null;
  /** `fromImage` for POST /images/create: everything before the tag or digest. */
  repository: string;
  /** `tag` for POST /images/create: the tag or `sha256:…` digest; `latest` when absent. */
  tag: string;
}

export function splitImageRef(ref: string): ImageRefParts {
  const at = ref.indexOf('@');
  const slash = ref.indexOf('/');
  const first = slash === -1 ? '' : ref.slice(0, slash);
  // distribution/reference: the first component is a registry when it has a dot or port, or is localhost.
  const registry = first !== '' && (/[.:]/.test(first) || first === 'localhost') ? first : null;
  if (at !== -1) {
    const name = ref.slice(0, at);
    return { registry, repository: stripTag(name), tag: ref.slice(at + 1) };
  }
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/'))
    return { registry, repository: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  // Never leave the tag empty: Docker then pulls every tag of the repository.
  return { registry, repository: ref, tag: 'latest' };
}

function stripTag(name: string): string {
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? name.slice(0, colon) : name;
}

const NOT_FOUND_PATTERNS = [
  /manifest unknown/i,
  /name unknown/i,
  /not found/i,
  /no such image/i,
  /repository does not exist/i,
  /pull access denied/i,
  /requested access to the resource is denied/i,
];

const LOCAL_HINT =
  'Names under localhost/ are images built on this server, and there is no registry at localhost. ' +
  'Build or load the image on the server first (podman build -t NAME …, or podman load -i FILE).';

/** The BerthError for a pull that failed with the engine's message. */
export function toPullError(ref: string, engineMessage: string): BerthError {
  const { registry } = splitImageRef(ref);
  if (registry === 'localhost') {
    return new BerthError(
      'DEPLOY_IMAGE_NOT_FOUND',
      `Image ${ref} is not in the engine's store (${engineMessage})`,
      {
        hint: LOCAL_HINT,
      },
    );
  }
  if (NOT_FOUND_PATTERNS.some((p) => p.test(engineMessage))) {
    return new BerthError('DEPLOY_IMAGE_NOT_FOUND', `Image ${ref} was not found: ${engineMessage}`, {
      hint: 'Check the image name and tag; if the registry is private, log in to it on the server.',
    });
  }
  return new BerthError('DEPLOY_IMAGE_PULL_FAILED', `Pulling image ${ref} failed: ${engineMessage}`, {
    hint:
      'Check that the registry is reachable from the server (DNS, proxy, credentials), ' +
      'or build/load the image on the server and deploy it by that name.',
  });
}

/**
 * Reads a pull's newline-delimited JSON progress to its end and returns the first error it
 * reports, or null when the pull succeeded.
 */
export async function readPullProgress(stream: AsyncIterable<Buffer>): Promise<string | null> {
  let error: string | null = null;
  await forEachJsonLine(stream, (e) => {
    const message = asString(e.error) || asString(asRecord(e.errorDetail).message);
    if (error === null && message !== '') error = message;
  });
  return error;
}
