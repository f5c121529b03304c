// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
/**
 * archiveTree / unpackTree / summariseTree on real directories: a tree round-trips with its
 * summary equal; a symlink to a host file is archived as a symlink (the file's bytes never
 * enter the archive); a hostile archive that would write through its own symlink, or climb out
 * with `..`, is refused and writes nothing outside.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { createTarPack } from '../builder/tar.js';
import { archiveTree } from './tree-archive.js';
import { unpackTree } from './tree-unpack.js';
import { summariseTree } from './tree-walk.js';

const collect = async (stream: Readable): Promise<Buffer> => {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
};

describe('tree archives', () => {
  let base = '';
  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'berth-tree-'));
  });
  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  test('a tree round-trips; a symlink to a host file stays a symlink', async () => {
    const src = join(base, 'src');
    const outside = join(base, 'host-secret');
    await writeFile(outside, 'HOST-SECRET-CONTENT');
    await mkdir(join(src, 'sub'), { recursive: true });
    await writeFile(join(src, 'a.txt'), 'one\n');
    await writeFile(join(src, 'sub', 'b.bin'), Buffer.alloc(70_000, 7));
    await symlink(outside, join(src, 'link'));
    const archive = archiveTree(src);
    const tar = await collect(archive.stream);
    const { summary } = await archive.done;
    assert.deepEqual([summary.entries, summary.files, summary.bytes], [4, 2, 70_004]);
    assert.ok(!tar.includes('HOST-SECRET-CONTENT'), 'the host file was not read');
    const dest = join(base, 'dest');
    await mkdir(dest);
    await unpackTree(Readable.from([tar]), dest);
    assert.deepEqual((await summariseTree(dest)).summary, summary);
    assert.equal(await readlink(join(dest, 'link')), outside);
    assert.equal(await readFile(join(dest, 'a.txt'), 'utf8'), 'one\n');
  });

  for (const [why, entries] of [
    [
      'a file written through the archive’s own symlink',
      [
        { name: 'esc', type: 'symlink', linkname: base },
        { name: 'esc/pwned', type: 'file', body: 'x' },
      ],
    ],
    ['a path climbing out', [{ name: '../pwned', type: 'file', body: 'x' }]],
    ['an absolute path', [{ name: `${base}/pwned`, type: 'file', body: 'x' }]],
  ] as const) {
    test(`refused: ${why}`, async () => {
      const pack = createTarPack();
      for (const e of entries)
        await new Promise<void>((resolve, reject) =>
          pack.entry(
            { name: e.name, type: e.type, ...('linkname' in e && { linkname: e.linkname }) },
            ('body' in e ? e.body : undefined) ?? '',
            (err) => (err ? reject(err) : resolve()),
          ),
        );
      pack.finalize();
      const tar = await collect(pack);
      const dest = await mkdtemp(join(base, 'hostile-'));
      await assert.rejects(unpackTree(Readable.from([tar]), dest), { code: 'BACKUP_INTEGRITY_FAILED' });
      await assert.rejects(readFile(join(base, 'pwned')), { code: 'ENOENT' });
    });
  }
});
