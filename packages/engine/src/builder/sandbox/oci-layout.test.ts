import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chown, lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { layoutHasTag, pruneLayout } from './oci-layout.js';

const root = await mkdtemp(join(tmpdir(), 'berth-oci-'));
after(() => rm(root, { recursive: true, force: true }));
const isRoot = process.getuid?.() === 0;

/** Writes a blob and returns its descriptor digest. */
async function blob(dir: string, content: string): Promise<string> {
  const hex = createHash('sha256').update(content).digest('hex');
  await writeFile(join(dir, 'blobs', 'sha256', hex), content);
  return `sha256:${hex}`;
}

/** A layout with `n` tags, each with a manifest, a config and one layer of its own, plus one shared layer. */
async function layout(name: string, n: number): Promise<{ dir: string; digests: string[][] }> {
  const dir = join(root, name);
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  const shared = await blob(dir, 'shared layer');
  const digests: string[][] = [];
  const manifests = [];
  for (let i = 0; i < n; i++) {
    const config = await blob(dir, `config ${i}`);
    const layer = await blob(dir, `layer ${i}`);
    const manifest = await blob(
      dir,
      JSON.stringify({ config: { digest: config }, layers: [{ digest: shared }, { digest: layer }] }),
    );
    digests.push([manifest, config, layer]);
    manifests.push({ digest: manifest, annotations: { 'org.opencontainers.image.ref.name': `tag-${i}` } });
  }
  await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests }));
  return { dir, digests: [...digests, [shared]] };
}

const blobsOf = async (dir: string): Promise<string[]> =>
  (await readdir(join(dir, 'blobs', 'sha256'))).map((h) => `sha256:${h}`).sort();

test('pruning keeps the newest tags and exactly the blobs they use', async () => {
  const { dir, digests } = await layout('prune', 5);
  await pruneLayout(dir, 3);
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as {
    manifests: unknown[];
    schemaVersion: number;
  };
  assert.equal(index.schemaVersion, 2, 'the rest of the index is kept');
  assert.equal(index.manifests.length, 3);
  for (const tag of ['tag-2', 'tag-3', 'tag-4']) assert.ok(await layoutHasTag(dir, tag), tag);
  for (const tag of ['tag-0', 'tag-1']) assert.equal(await layoutHasTag(dir, tag), false, tag);
  assert.deepEqual(await blobsOf(dir), [...digests.slice(2).flat()].sort());
  assert.deepEqual((await readdir(dir)).sort(), ['blobs', 'index.json'], 'no temp file left');
});

test('a layout within the limit is left as it is', async () => {
  const { dir } = await layout('small', 2);
  const before = await readFile(join(dir, 'index.json'), 'utf8');
  await pruneLayout(dir, 3);
  assert.equal(await readFile(join(dir, 'index.json'), 'utf8'), before);
});

test(
  "the new index belongs to the layout's owner, and a link planted by that owner cannot redirect root's write",
  { skip: !isRoot && 'needs root (chown)' },
  async () => {
    const { dir } = await layout('owned', 5);
    await chown(dir, 65534, 65534);
    const outside = join(root, 'outside.txt');
    await writeFile(outside, 'untouched');
    // What the build user could plant where the index used to be written from (index.json.tmp).
    await symlink(outside, join(dir, 'index.json.tmp'));
    await pruneLayout(dir, 3);
    const s = await lstat(join(dir, 'index.json'));
    assert.deepEqual([s.uid, s.gid, s.mode & 0o777], [65534, 65534, 0o644]);
    assert.equal(await readFile(outside, 'utf8'), 'untouched');
  },
);
