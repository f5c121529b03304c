/**
 * The directory target on a real file system, in temp dirs: round trips, hostile keys and
 * symlinks refused, and a writer killed with SIGKILL mid-object leaves nothing under the name.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BerthError } from '@berth/protocol';
import { createDirectoryTarget } from './directory-target.js';

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-dir-target-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function read(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}

const berthError = (code: string, pattern?: RegExp) => (e: unknown) => {
  assert.ok(e instanceof BerthError, `a BerthError, got ${String(e)}`);
  assert.equal(e.code, code, e.message);
  if (pattern) assert.match(e.message, pattern);
  return true;
};

test('put, get, list and delete round trip, files 0600 and directories 0700', async (t) => {
  const root = await tempDir(t);
  const target = await createDirectoryTarget({ root });
  const data = randomBytes(3 * 1024 * 1024 + 5);
  const stored = await target.put(
    'db-main/2026/bak_1.berth',
    Readable.from([data.subarray(0, 10), data.subarray(10)]),
  );
  assert.deepEqual(stored, { bytes: data.length, sha256: createHash('sha256').update(data).digest('hex') });
  assert.ok((await readFile(join(root, 'db-main/2026/bak_1.berth'))).equals(data));
  assert.equal((await stat(join(root, 'db-main/2026/bak_1.berth'))).mode & 0o777, 0o600);
  assert.equal((await stat(join(root, 'db-main'))).mode & 0o777, 0o700);
  assert.ok((await read(await target.get('db-main/2026/bak_1.berth'))).equals(data));

  await target.put('db-main/2026/bak_2.berth', Readable.from([]));
  await target.put('volume-x/bak_3.berth', Readable.from([Buffer.from('v')]));
  await target.put('volume-x/bak_3.berth', Readable.from([Buffer.from('replaced')]));
  assert.equal((await read(await target.get('volume-x/bak_3.berth'))).toString(), 'replaced');
  assert.deepEqual(
    (await target.list()).map((o) => [o.key, o.bytes]),
    [
      ['db-main/2026/bak_1.berth', data.length],
      ['db-main/2026/bak_2.berth', 0],
      ['volume-x/bak_3.berth', 8],
    ],
  );
  assert.deepEqual(
    (await target.list('db-main/2026/bak_2')).map((o) => o.key),
    ['db-main/2026/bak_2.berth'],
  );
  assert.deepEqual(
    (await target.list('nothing/')).map((o) => o.key),
    [],
  );
  assert.deepEqual(
    await readdir(join(root, 'db-main/2026')),
    ['bak_1.berth', 'bak_2.berth'],
    'no temp file left',
  );

  await target.delete('db-main/2026/bak_1.berth');
  await target.delete('db-main/2026/bak_1.berth');
  await target.delete('never/was.berth');
  await assert.rejects(
    target.get('db-main/2026/bak_1.berth'),
    berthError('BACKUP_OBJECT_NOT_FOUND', /has no object/),
  );
  await assert.rejects(target.get('never/was.berth'), berthError('BACKUP_OBJECT_NOT_FOUND'));
  assert.equal((await target.list()).length, 2);
});

test('a failing source leaves no object and no temp file', async (t) => {
  const root = await tempDir(t);
  const target = await createDirectoryTarget({ root });
  function* failing(): Generator<Buffer> {
    yield randomBytes(100_000);
    throw new BerthError('BACKUP_INTEGRITY_FAILED', 'chunk 3 does not verify');
  }
  await assert.rejects(
    target.put('a/bak.berth', Readable.from(failing())),
    berthError('BACKUP_INTEGRITY_FAILED', /chunk 3/),
  );
  assert.deepEqual(await readdir(join(root, 'a')), []);
});

test('the root must be an absolute, normal path to a real directory', async (t) => {
  const root = await tempDir(t);
  await writeFile(join(root, 'file'), 'x');
  await symlink(root, join(root, 'link'));
  for (const bad of [
    'relative/dir',
    '',
    '/',
    `${root}/`,
    `${root}/../x`,
    `${root}/./a`,
    join(root, 'missing'),
    join(root, 'file'),
    join(root, 'link'),
    `${root}\u0000x`,
  ]) {
    await assert.rejects(createDirectoryTarget({ root: bad }), berthError('VALIDATION_FAILED'), bad);
  }
});

test('hostile keys are refused; symlinks inside the root never lead out of it', async (t) => {
  const root = await tempDir(t);
  const outside = await tempDir(t);
  const target = await createDirectoryTarget({ root });
  const marker = join(outside, 'marker');
  for (const key of [
    '../escape',
    '/etc/passwd',
    'a/../../b',
    'a\u0000b',
    '.hidden',
    'a/.x',
    '$(touch m)',
    'a b',
    '',
    `..${outside}/marker`,
  ]) {
    await assert.rejects(
      target.put(key, Readable.from([Buffer.from('x')])),
      berthError('VALIDATION_FAILED'),
      key,
    );
    await assert.rejects(target.get(key), berthError('VALIDATION_FAILED'), key);
    await assert.rejects(target.delete(key), berthError('VALIDATION_FAILED'), key);
  }
  // Someone with write access to the root puts symlinks in it: a directory link and a file link.
  await symlink(outside, join(root, 'linked-dir'));
  await writeFile(marker, 'outside');
  await mkdir(join(root, 'real'));
  await symlink(marker, join(root, 'real', 'linked-file'));
  await assert.rejects(
    target.put('linked-dir/marker', Readable.from([Buffer.from('x')])),
    berthError('BACKUP_TARGET_FAILED', /not a directory/),
  );
  await assert.rejects(target.get('linked-dir/marker'), berthError('BACKUP_TARGET_FAILED'));
  await assert.rejects(target.get('real/linked-file'), (e: unknown) => e instanceof BerthError);
  await target.put('real/linked-file', Readable.from([Buffer.from('replaces the link itself')]));
  assert.equal(await readFile(marker, 'utf8'), 'outside', 'the file outside was never written');
  assert.deepEqual(
    (await target.list()).map((o) => o.key),
    ['real/linked-file'],
    'symlinked directories are not walked',
  );
  await assert.rejects(target.list('../'), berthError('VALIDATION_FAILED'));
});

test('a writer killed with SIGKILL mid-object leaves nothing under the final name', async (t) => {
  const root = await tempDir(t);
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(dirname(fileURLToPath(import.meta.url)), 'test-support', 'put-forever.ts'),
      root,
      'db/bak_killed.berth',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  child.stdout.setEncoding('utf8');
  let out = '';
  for await (const text of child.stdout) {
    out += String(text);
    if (out.includes('writing')) break;
  }
  // Let the first MiB reach the temp file, then kill without any chance to clean up.
  for (let i = 0; i < 100 && (await tempFiles(join(root, 'db'))).length === 0; i++)
    await new Promise((r) => setTimeout(r, 20));
  const temps = await tempFiles(join(root, 'db'));
  assert.equal(temps.length, 1, 'the writer was writing its temp file');
  assert.ok(child.kill('SIGKILL'));
  await once(child, 'exit');

  const target = await createDirectoryTarget({ root });
  await assert.rejects(target.get('db/bak_killed.berth'), berthError('BACKUP_OBJECT_NOT_FOUND'));
  assert.deepEqual(await target.list(), [], 'the temp file is never listed');
  await target.put('db/bak_killed.berth', Readable.from([Buffer.from('second try')]));
  assert.equal((await read(await target.get('db/bak_killed.berth'))).toString(), 'second try');
});

async function tempFiles(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [])).filter((name) => name.startsWith('.') && name.endsWith('.tmp'));
}
