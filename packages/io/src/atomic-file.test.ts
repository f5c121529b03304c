import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createAtomicFile, createFileAtomic, writeFileAtomic, writeFileAtomicSync } from './atomic-file.js';

const root = await mkdtemp(join(tmpdir(), 'berth-io-'));
after(() => rm(root, { recursive: true, force: true }));
let n = 0;
const freshDir = async (): Promise<string> => mkdtemp(join(root, `t${++n}-`));

test('overlapping writes of one file all succeed and leave one whole version, no temp files', async () => {
  // The bug this helper ends: writers sharing one temp name failed with ENOENT on rename.
  const dir = await freshDir();
  const file = join(dir, 'state.json');
  const versions = Array.from({ length: 50 }, (_, i) => JSON.stringify({ i, pad: 'x'.repeat(i * 100) }));
  await Promise.all(versions.map((v) => writeFileAtomic(file, v)));
  assert.ok(versions.includes(await readFile(file, 'utf8')));
  assert.deepEqual(await readdir(dir), ['state.json']);
});

test('the file gets exactly the mode asked for, whatever the umask', async () => {
  const dir = await freshDir();
  const previous = process.umask(0o077);
  try {
    await writeFileAtomic(join(dir, 'public'), 'x', { mode: 0o644 });
    writeFileAtomicSync(join(dir, 'public-sync'), 'x', { mode: 0o644 });
  } finally {
    process.umask(previous);
  }
  await writeFileAtomic(join(dir, 'private'), 'x');
  assert.equal((await stat(join(dir, 'public'))).mode & 0o777, 0o644);
  assert.equal((await stat(join(dir, 'public-sync'))).mode & 0o777, 0o644);
  assert.equal((await stat(join(dir, 'private'))).mode & 0o777, 0o600);
});

test('dirMode creates missing parents; without it a missing parent fails and leaves nothing', async () => {
  const dir = await freshDir();
  await writeFileAtomic(join(dir, 'a', 'b', 'f'), 'x', { dirMode: 0o700 });
  assert.equal((await stat(join(dir, 'a', 'b'))).mode & 0o777, 0o700);
  await assert.rejects(writeFileAtomic(join(dir, 'missing', 'f'), 'x'), { code: 'ENOENT' });
  assert.throws(() => writeFileAtomicSync(join(dir, 'missing', 'f'), 'x'), { code: 'ENOENT' });
  assert.deepEqual((await readdir(dir)).sort(), ['a']);
});

test(
  'owner is set before the file takes its name',
  { skip: process.getuid?.() !== 0 && 'needs root' },
  async () => {
    const dir = await freshDir();
    await writeFileAtomic(join(dir, 'owned'), 'x', { owner: { uid: 65534, gid: 65534 } });
    const s = await stat(join(dir, 'owned'));
    assert.deepEqual([s.uid, s.gid], [65534, 65534]);
  },
);

test('a failed rename removes its temp file', async () => {
  const dir = await freshDir();
  const target = join(dir, 'is-a-dir');
  await writeFileAtomic(join(target, 'keep'), 'x', { dirMode: 0o700 });
  await assert.rejects(writeFileAtomic(target, 'x'), { code: 'EISDIR' });
  assert.throws(() => writeFileAtomicSync(target, 'x'), { code: 'EISDIR' });
  assert.deepEqual(await readdir(dir), ['is-a-dir']);
});

test('createFileAtomic never replaces an existing file: of racing creators exactly one wins', async () => {
  const dir = await freshDir();
  const file = join(dir, 'key');
  const results = await Promise.all(['a', 'b', 'c', 'd'].map((v) => createFileAtomic(file, v)));
  assert.equal(results.filter(Boolean).length, 1);
  const winner = ['a', 'b', 'c', 'd'][results.indexOf(true)];
  assert.equal(await readFile(file, 'utf8'), winner);
  assert.equal(await createFileAtomic(file, 'later'), false);
  assert.equal(await readFile(file, 'utf8'), winner);
  assert.deepEqual(await readdir(dir), ['key']);
});

test('createAtomicFile lands writes in call order: the last call is what stays', async () => {
  const dir = await freshDir();
  const file = join(dir, 'memory.json');
  const memory = createAtomicFile(file);
  // The first write is the largest, so without ordering its rename would tend to land last.
  const writes = ['x'.repeat(1_000_000), 'second', 'third'].map((v) => memory.write(v));
  await Promise.all(writes);
  assert.equal(await readFile(file, 'utf8'), 'third');
});

test('createAtomicFile: a failed write fails its caller only; the writes after it go on', async () => {
  const dir = await freshDir();
  const memory = createAtomicFile(join(dir, 'sub', 'f'));
  const failed = memory.write('lost');
  await assert.rejects(failed, { code: 'ENOENT' });
  await mkdir(join(dir, 'sub'));
  await memory.write('kept');
  assert.equal(await readFile(join(dir, 'sub', 'f'), 'utf8'), 'kept');
});
