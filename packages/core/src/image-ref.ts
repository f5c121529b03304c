import { IMAGE_REF_PATTERN } from '@berth/protocol';

/**
 * Image references as the registry protocol reads them (distribution/reference), so Berth, the
 * engine and a person agree on what a name means. An engine is more lenient than that: Podman
 * finds `hello:1` as the local `localhost/hello:1`, `8f` as the image whose id starts with 8f,
 * and `foo/bar@sha256:<d>` as any local image with that manifest digest. Berth therefore always
 * means the canonical name (`nginx:1` is `docker.io/library/nginx:1`) and nothing else.
 */

export interface ImageRefParts {
  /** The registry host (with port): the first component when it has a dot or port or is `localhost`, else `docker.io`. */
  registry: string;
  /** The repository within the registry: `library/nginx`, `berth/web`. */
  path: string;
  tag: string | null;
  /** `sha256:<hex>`, when the reference pins one. */
  digest: string | null;
}

const DOCKER_HUB = 'docker.io';

/** Splits a reference that matches IMAGE_REF_PATTERN; null for anything else. */
export function parseImageRef(ref: string): ImageRefParts | null {
  if (ref.length > 255 || !IMAGE_REF_PATTERN.test(ref)) return null;
  const at = ref.indexOf('@');
  const digest = at === -1 ? null : ref.slice(at + 1);
  const named = at === -1 ? ref : ref.slice(0, at);
  const colon = named.lastIndexOf(':');
  const hasTag = colon > named.lastIndexOf('/');
  const name = hasTag ? named.slice(0, colon) : named;
  const tag = hasTag ? named.slice(colon + 1) : null;
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  const isRegistry = first !== '' && (/[.:]/.test(first) || first === 'localhost');
  const registry = isRegistry ? (first === 'index.docker.io' ? DOCKER_HUB : first) : DOCKER_HUB;
  const rest = isRegistry ? name.slice(slash + 1) : name;
  const path = registry === DOCKER_HUB && !rest.includes('/') ? `library/${rest}` : rest;
  return { registry, path, tag, digest };
}

/** `registry/path[:tag][@digest]`, with `:latest` when the reference names neither tag nor digest. */
export function canonicalImageRef(parts: ImageRefParts): string {
  const tag = parts.tag ?? (parts.digest === null ? 'latest' : null);
  return `${parts.registry}/${parts.path}${tag === null ? '' : `:${tag}`}${parts.digest === null ? '' : `@${parts.digest}`}`;
}

/** The canonical form of a valid reference; the reference itself when it does not parse. */
export const toCanonicalImageRef = (ref: string): string => {
  const parts = parseImageRef(ref);
  return parts ? canonicalImageRef(parts) : ref;
};

/**
 * Whether an image the engine found is the one a reference names: one of its tags (`RepoTags`)
 * is the reference's name and tag, or, for a reference pinned by digest, one of its digests
 * (`RepoDigests`) is that repository at that digest. Names are compared canonically, since
 * Docker reports `nginx:1` where Podman reports `docker.io/library/nginx:1`.
 */
export function imageHasName(
  ref: string,
  image: { repoTags: readonly string[]; repoDigests: readonly string[] },
): boolean {
  const want = parseImageRef(ref);
  if (!want) return false;
  if (want.digest !== null) {
    const pinned = `${want.registry}/${want.path}@${want.digest}`;
    return image.repoDigests.some((d) => toCanonicalImageRef(d) === pinned);
  }
  const wanted = canonicalImageRef(want);
  return image.repoTags.some((t) => toCanonicalImageRef(t) === wanted);
}

/**
 * Where an image comes from, for deciding who may use it:
 * - `berth`: `localhost/berth/…`, the names Berth gives the images it builds (`localhost/berth/<app>:<tag>`);
 * - `local`: any other `localhost/…` name, an image made on this host (`podman build`, `import`, `load`);
 * - `registry`: pulled from a registry (`localhost:5000/…` is a registry too).
 */
export type ImageOrigin = { kind: 'berth' } | { kind: 'local' } | { kind: 'registry'; registry: string };

export function imageOrigin(parts: ImageRefParts): ImageOrigin {
  if (parts.registry !== 'localhost') return { kind: 'registry', registry: parts.registry };
  return parts.path.startsWith('berth/') ? { kind: 'berth' } : { kind: 'local' };
}
