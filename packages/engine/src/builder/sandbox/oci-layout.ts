/**
 * The OCI layout a team's builds are exported into (by skopeo, in the sandbox, with
 * uncompressed layers) and the engine imports from (by skopeo, as root). Layers are stored by
 * digest, so an export writes only the layers the layout lacks and the engine reads only the
 * layers it lacks: a rebuild that changed one layer moves one layer.
 *
 * The layout is written by the build user, so the agent checks it before root reads it: only
 * directories and regular files, nothing that could lead root elsewhere. Old tags are pruned
 * with the blobs only they used.
 */
import { lstat, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@berth/io';
import { BerthError } from '@berth/protocol';

/** Tags kept in a team's layout: the newest few, so a re-export of a recent build is instant. */
export const KEEP_TAGS = 3;
const REF_ANNOTATION = 'org.opencontainers.image.ref.name';
const DIGEST = /^sha256:([a-f0-9]{64})$/;
const MAX_JSON_BYTES = 4 * 1024 * 1024;

interface Descriptor {
  digest: string;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

/** Refuses a layout holding anything but directories and regular files (a symlink, a fifo…). */
export async function checkLayoutFiles(dir: string): Promise<void> {
  const walk = async (path: string, depth: number): Promise<void> => {
    const s = await lstat(path);
    if (s.isFile()) return;
    if (!s.isDirectory() || depth > 4) refuse(`${path} is not a plain file or directory`);
    for (const name of await readdir(path)) await walk(join(path, name), depth + 1);
  };
  await walk(dir, 0);
}

/** Keeps the newest KEEP_TAGS tags (index order is export order) and the blobs they use. */
export async function pruneLayout(dir: string, keep: number = KEEP_TAGS): Promise<void> {
  const indexPath = join(dir, 'index.json');
  const index = await readJson(indexPath);
  const manifests = Array.isArray(index.manifests) ? (index.manifests as Descriptor[]) : [];
  const kept = manifests.slice(Math.max(0, manifests.length - keep));
  if (kept.length === manifests.length) return;
  const used = new Set<string>();
  for (const m of kept) {
    used.add(m.digest);
    const manifest = await readJson(blobPath(dir, m.digest));
    const config = manifest.config as Descriptor | undefined;
    if (config) used.add(config.digest);
    for (const layer of (manifest.layers ?? []) as Descriptor[]) used.add(layer.digest);
  }
  // Written by root, owned by the build user like the rest: its next export rewrites the index.
  // The temp file is created exclusively under a random name, so nothing the build user placed
  // in its directory beforehand (a symlink) can redirect root's write.
  const owner = await lstat(dir);
  await writeFileAtomic(indexPath, JSON.stringify({ ...index, manifests: kept }), {
    mode: 0o644,
    owner: { uid: owner.uid, gid: owner.gid },
  });
  const blobs = join(dir, 'blobs', 'sha256');
  for (const name of await readdir(blobs)) {
    if (!used.has(`sha256:${name}`)) await rm(join(blobs, name), { force: true });
  }
}

/** Whether the layout has a manifest tagged `tag`. */
export async function layoutHasTag(dir: string, tag: string): Promise<boolean> {
  const index = await readJson(join(dir, 'index.json')).catch(() => null);
  const manifests = Array.isArray(index?.manifests) ? (index.manifests as Descriptor[]) : [];
  return manifests.some((m) => m.annotations?.[REF_ANNOTATION] === tag);
}

function blobPath(dir: string, digest: string): string {
  const m = DIGEST.exec(digest);
  if (!m?.[1]) refuse(`bad digest ${JSON.stringify(digest)}`);
  return join(dir, 'blobs', 'sha256', m[1]);
}

async function readJson(path: string): Promise<Record<string, unknown>> {
  const s = await lstat(path);
  if (!s.isFile() || s.size > MAX_JSON_BYTES) refuse(`${path} is not a plain JSON file`);
  const value: unknown = JSON.parse(await readFile(path, 'utf8'));
  if (typeof value !== 'object' || value === null) refuse(`${path} is not a JSON object`);
  return value as Record<string, unknown>;
}

function refuse(why: string): never {
  throw new BerthError('BUILD_FAILED', `The built image could not be handed to the engine: ${why}`);
}
