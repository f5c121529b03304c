/**
 * `berth images bootstrap`: builds Berth's base images on this server from Debian packages, so
 * a host without any registry can build apps. Each image carries the hash of its recipe; one
 * whose label matches is left alone, so a second run takes seconds. The recipes are in
 * ./base-image-recipes.ts.
 */
import { mkdir, mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { BASE_IMAGE_KINDS, DEFAULT_BASE_IMAGES } from '@berth/core';
import type { BaseImageKind, BaseImages } from '@berth/core';
import { BerthError, IMAGE_REF_PATTERN } from '@berth/protocol';
import type { EngineHttpClient } from '../container/engine-http.js';
import { splitImageRef } from '../container/image-pull.js';
import {
  DEFAULT_NPM_TARBALL_INTEGRITY,
  DEFAULT_NPM_TARBALL_URL,
  KIND_LABEL,
  RECIPE_LABEL,
  parentOf,
  recipeHash,
  toRecipe,
} from './base-image-recipes.js';
import type { BaseImageRecipe, RecipeInputs } from './base-image-recipes.js';
import { withLock } from './bootstrap-lock.js';
import { addCaCertificates, readHostCaCertificates, toPemCertificates } from './ca-certificates.js';
import { packDirectory } from './context.js';
import { checkMirror, findDebianMirror, removeRootfs, runDebootstrap, tarRootfs } from './debootstrap.js';
import { buildImage } from './image-build.js';
import { importRootfs, inspectImage } from './import-rootfs.js';

export interface BootstrapOptions {
  http: EngineHttpClient;
  /** Default: all. Dependencies (debian) are built when needed. */
  only?: BaseImageKind[];
  /** Rebuild the requested images (not their dependencies) even when up to date, without the layer cache. */
  force?: boolean;
  /** Default: the host's apt mirror for bookworm, else http://deb.debian.org/debian. */
  mirror?: string;
  /** Default: npm 10.9.2 from registry.npmjs.org (checked against its known integrity). */
  npmTarballUrl?: string;
  /** `sha512-…` of npmTarballUrl; without it an overridden tarball is not checked. */
  npmTarballIntegrity?: string;
  /**
   * PEM certificates the images trust besides Debian's (a TLS-intercepting proxy's CA).
   * Default: the host's additions in /usr/local/share/ca-certificates; '' for none.
   */
  caCertificates?: string;
  /** Holds the lock file and temporary root file systems. */
  workDir: string;
  signal?: AbortSignal;
  onLine?: (line: string) => void;
  images?: BaseImages;
}

export interface BootstrapResult {
  images: {
    kind: BaseImageKind;
    ref: string;
    imageId: string;
    status: 'built' | 'up-to-date';
    seconds: number;
  }[];
}

type ImageResult = BootstrapResult['images'][number];

interface Run {
  o: BootstrapOptions;
  images: BaseImages;
  inputs: RecipeInputs;
  signal: AbortSignal;
  done: Map<BaseImageKind, ImageResult>;
}

const NPM_URL = /^https:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?\/[A-Za-z0-9._~%/@+-]*\.tgz$/;

export async function bootstrapBaseImages(o: BootstrapOptions): Promise<BootstrapResult> {
  const images = o.images ?? DEFAULT_BASE_IMAGES;
  // Dependencies first, so a forced rebuild of one is what its dependants build on.
  const requested = BASE_IMAGE_KINDS.filter((kind) => (o.only ?? BASE_IMAGE_KINDS).includes(kind));
  validate(o, images, o.only ?? []);
  const run: Run = {
    o,
    images,
    inputs: await toInputs(o, images),
    signal: o.signal ?? new AbortController().signal,
    done: new Map(),
  };
  await mkdir(o.workDir, { recursive: true });
  const log = o.onLine ?? (() => undefined);
  await withLock(
    join(o.workDir, 'bootstrap.lock'),
    { signal: run.signal, onWait: (pid) => log(`Waiting for another bootstrap (pid ${pid}) to finish`) },
    async () => {
      for (const kind of requested) await ensure(run, kind, o.force === true);
    },
  );
  return { images: [...run.done.values()] };
}

async function toInputs(o: BootstrapOptions, images: BaseImages): Promise<RecipeInputs> {
  const npmTarballUrl = o.npmTarballUrl ?? DEFAULT_NPM_TARBALL_URL;
  const knownIntegrity = npmTarballUrl === DEFAULT_NPM_TARBALL_URL ? DEFAULT_NPM_TARBALL_INTEGRITY : null;
  return {
    images,
    npmTarballUrl,
    npmTarballIntegrity: o.npmTarballIntegrity ?? knownIntegrity,
    caCertificates:
      o.caCertificates === undefined ? await readHostCaCertificates() : toPemCertificates(o.caCertificates),
  };
}

function validate(o: BootstrapOptions, images: BaseImages, requested: BaseImageKind[]): void {
  for (const kind of requested) {
    if (!BASE_IMAGE_KINDS.includes(kind))
      throw new BerthError('VALIDATION_FAILED', `Unknown base image ${JSON.stringify(kind)}`);
  }
  for (const [kind, ref] of Object.entries(images)) {
    if (!IMAGE_REF_PATTERN.test(ref) || splitImageRef(ref).registry === null) {
      throw new BerthError(
        'VALIDATION_FAILED',
        `The ${kind} base image needs a fully qualified name, not ${JSON.stringify(ref)}`,
      );
    }
  }
  if (o.mirror !== undefined) checkMirror(o.mirror);
  if (o.npmTarballUrl !== undefined && !NPM_URL.test(o.npmTarballUrl)) {
    throw new BerthError('VALIDATION_FAILED', `Invalid npm tarball URL: ${JSON.stringify(o.npmTarballUrl)}`, {
      hint: 'Give an https:// URL of a .tgz, such as https://registry.npmjs.org/npm/-/npm-10.9.2.tgz.',
    });
  }
  if (!o.workDir.startsWith('/'))
    throw new BerthError('VALIDATION_FAILED', 'The bootstrap work dir must be an absolute path');
}

/** Makes sure the image (and first its parent) matches its recipe; returns its id. */
async function ensure(run: Run, kind: BaseImageKind, force: boolean): Promise<string> {
  const known = run.done.get(kind);
  if (known) return known.imageId;
  const parent = parentOf(kind);
  const parentId = parent === null ? null : await ensure(run, parent, false);
  const started = Date.now();
  const ref = run.images[kind];
  const recipe = toRecipe(kind, run.inputs);
  const hash = recipeHash(recipe, parentId);
  const onLine = (line: string): void => run.o.onLine?.(`[${kind}] ${line}`);
  const existing = await inspectImage(run.o.http, ref);
  let result: ImageResult;
  if (!force && existing !== null && existing.labels[RECIPE_LABEL] === hash) {
    onLine(`${ref} is up to date`);
    result = { kind, ref, imageId: existing.id, status: 'up-to-date', seconds: 0 };
  } else {
    onLine(
      existing === null
        ? `Building ${ref}`
        : `Rebuilding ${ref} (${force ? 'forced' : 'its recipe changed'})`,
    );
    const labels = { [RECIPE_LABEL]: hash, [KIND_LABEL]: kind };
    const imageId = await build(run, recipe, ref, labels, force, onLine);
    result = { kind, ref, imageId, status: 'built', seconds: 0 };
  }
  result.seconds = Math.round((Date.now() - started) / 100) / 10;
  if (result.status === 'built') onLine(`Built ${ref} (${imageId12(result.imageId)}) in ${result.seconds} s`);
  run.done.set(kind, result);
  return result.imageId;
}

const imageId12 = (id: string): string => id.replace(/^sha256:/, '').slice(0, 12);

async function build(
  run: Run,
  recipe: BaseImageRecipe,
  ref: string,
  labels: Record<string, string>,
  noCache: boolean,
  onLine: (line: string) => void,
): Promise<string> {
  const { http, workDir } = run.o;
  const scratch = await mkdtemp(join(workDir, `${recipe.kind}-`));
  try {
    if (recipe.kind === 'debian') {
      const mirror = run.o.mirror ?? (await findDebianMirror(recipe.suite));
      onLine(`debootstrap --variant=${recipe.variant} ${recipe.suite} from ${mirror}`);
      const target = join(scratch, 'rootfs');
      await runDebootstrap({ ...recipe, mirror, target, signal: run.signal, onLine });
      await addCaCertificates(target, recipe.caCertificates);
      onLine(`Importing the root file system as ${ref}`);
      const tar = tarRootfs(target, run.signal);
      const [{ imageId }] = await Promise.all([
        importRootfs(http, tar.stream, ref, { labels, changes: recipe.changes, signal: run.signal }),
        tar.done,
      ]);
      return imageId;
    }
    const context = packDirectory(scratch, {
      ignoreFiles: [],
      extraFiles: { Dockerfile: recipe.dockerfile },
    });
    const { imageId } = await buildImage(http, {
      context: context.stream,
      dockerfile: 'Dockerfile',
      tag: ref,
      labels,
      buildArgs: recipe.buildArgs,
      noCache,
      signal: run.signal,
      onLine,
    });
    return imageId;
  } finally {
    await removeRootfs(scratch);
  }
}
