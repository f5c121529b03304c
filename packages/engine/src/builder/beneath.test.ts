import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { leavesRoot, readFileBeneath, resolveBeneath } from './beneath.js';
import { isContainedLink } from './context-walk.js';

let outer: string;
let root: string;
const DEPTH = 25;
const deep = Array.from({ length: DEPTH }, (_, i) => `d${i + 1}`).join('/');

before(async () => {
  outer = await mkdtemp(join(tmpdir(), 'berth-beneath-'));
  root = join(outer, 'tree');
  await writeFile(join(outer, 'secret'), 'outside the tree\n');
  await mkdir(join(root, deep), { recursive: true });
  // Each link alone passes a lexical check; followed one after the other they climb out.
  await symlink(Array(DEPTH).fill('..').join('/'), join(root, deep, 'up'));
  await symlink(`${deep}/up/../secret`, join(root, 'chain'));
  await writeFile(join(root, 'd1', 'real.txt'), 'inside\n');
  await symlink('d1/real.txt', join(root, 'b'));
  await symlink('b', join(root, 'a'));
  await symlink('/etc/passwd', join(root, 'absolute'));
  await symlink('loop2', join(root, 'loop1'));
  await symlink('loop1', join(root, 'loop2'));
  await symlink('missing/file', join(root, 'dangling'));
  await symlink('d1', join(root, 'dirlink'));
  execFileSync('mkfifo', [join(root, 'fifo')]);
});

after(async () => {
  if (outer) await rm(outer, { recursive: true, force: true });
});

test('a chain of links that each look contained cannot lead out of the tree', async () => {
  assert.ok(isContainedLink(`${deep}/up`, Array(DEPTH).fill('..').join('/')), 'the lexical check passes');
  assert.ok(isContainedLink('chain', `${deep}/up/../secret`), 'the lexical check passes');
  assert.equal(await readFileBeneath(root, 'chain', 1024), null);
  assert.equal(await resolveBeneath(root, 'chain'), null);
  assert.equal(await leavesRoot(root, 'chain'), true);
  // The link to the tree's own root is fine by itself.
  assert.equal(await resolveBeneath(root, `${deep}/up`), '');
  assert.equal(await leavesRoot(root, `${deep}/up`), false);
});

test('links that stay inside are followed to the file they name', async () => {
  assert.equal(await readFileBeneath(root, 'a', 1024), 'inside\n');
  assert.equal(await resolveBeneath(root, 'a'), 'd1/real.txt');
  assert.equal(await readFileBeneath(root, 'dirlink/real.txt', 1024), 'inside\n');
  assert.equal(await resolveBeneath(root, `${deep}/up/d1/real.txt`), 'd1/real.txt');
});

test('absolute links, loops, .. above the root, fifos and oversized files are not read', async () => {
  assert.equal(await readFileBeneath(root, 'absolute', 1024), null);
  assert.equal(await leavesRoot(root, 'absolute'), true);
  assert.equal(await readFileBeneath(root, 'loop1', 1024), null);
  assert.equal(await leavesRoot(root, 'loop1'), true, 'a loop is never followed to its end');
  assert.equal(await readFileBeneath(root, '../secret', 1024), null);
  assert.equal(await readFileBeneath(root, 'd1/../../secret', 1024), null);
  assert.equal(await readFileBeneath(root, 'fifo', 1024), null, 'a fifo neither blocks nor reads');
  assert.equal(await readFileBeneath(root, 'd1/real.txt', 3), null);
  assert.equal(await readFileBeneath(root, 'd1', 1024), null, 'a directory is not a file');
  assert.equal(await readFileBeneath(root, 'd1/real.txt/x', 1024), null);
});

test('a dangling link inside does not leave the root; it just names nothing', async () => {
  assert.equal(await readFileBeneath(root, 'dangling', 1024), null);
  assert.equal(await leavesRoot(root, 'dangling'), false);
});
