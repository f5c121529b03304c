import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import {
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  truncate,
  writeFile,
} from 'node:fs/promises';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BerthError } from '@berth/protocol';
import { listFiles, packDirectory, unpackArchive } from './context.js';
import { createTarExtract, createTarPack } from './tar.js';
import type { TarEntryListener, TarHeader } from './tar.js';

let dir: string;
let src: string;
let socketServer: Server;
let seq = 0;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-context-test-'));
  src = join(dir, 'src');
  const files: Record<string, string> = {
    '.gitignore': '*.log\nbuild/\n!keep.log\n',
    '.dockerignore': 'secret.txt\nDockerfile\n',
    Dockerfile: 'FROM scratch\n',
    'app.txt': 'hello\n',
    'debug.log': 'ignored\n',
    'keep.log': 'kept\n',
    'secret.txt': 'ignored too\n',
    'build/out.js': 'ignored dir\n',
    'lib/deep/mod.js': 'export {};\n',
    '.git/config': '[core]\n',
    '.berth.Dockerfile': 'replaced by the extra file\n',
  };
  for (const [name, content] of Object.entries(files)) {
    await mkdir(join(src, name, '..'), { recursive: true });
    await writeFile(join(src, name), content);
  }
  await writeFile(join(src, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
  await symlink('app.txt', join(src, 'link'));
  await symlink('../app.txt', join(src, 'lib', 'up'));
  await symlink('../../outside', join(src, 'escape'));
  await symlink('/etc/passwd', join(src, 'absolute'));
  socketServer = createServer();
  await new Promise<void>((ok) => socketServer.listen(join(src, 'a.sock'), ok));
});

after(async () => {
  await new Promise<void>((ok) => socketServer.close(() => ok()));
  await rm(dir, { recursive: true, force: true });
});

const fresh = (): string => join(dir, `out-${++seq}`);

async function entriesOf(stream: Readable): Promise<TarHeader[]> {
  const headers: TarHeader[] = [];
  const extract = createTarExtract();
  const onEntry: TarEntryListener = (header, body, next) => {
    headers.push(header);
    body.on('end', () => next());
    body.resume();
  };
  extract.on('entry', onEntry);
  await new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
    stream.on('error', reject);
    stream.pipe(extract);
  });
  return headers;
}

/** A tar built entry by entry, hostile ones included. */
function archive(entries: { header: TarHeader; body?: string }[]): Readable {
  const pack = createTarPack();
  const add = async (): Promise<void> => {
    for (const e of entries) {
      await new Promise<void>((resolve, reject) =>
        pack.entry(e.header, e.body ?? '', (err) => (err ? reject(err) : resolve())),
      );
    }
    pack.finalize();
  };
  add().catch((err: unknown) => pack.destroy(err as Error));
  return pack;
}

async function refused(promise: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof BerthError, String(err));
    assert.equal(err.code, 'VALIDATION_FAILED');
    assert.match(err.message, message);
    return true;
  });
}

const limits = { maxBytes: 1024 * 1024, maxFiles: 1000 };

test('packDirectory honours ignore files, keeps modes and inside symlinks, adds extra files last', async () => {
  const { stream, done } = packDirectory(src, {
    ignoreFiles: ['.gitignore', '.dockerignore'],
    extraFiles: { '.berth.Dockerfile': 'FROM localhost/x\n' },
    alwaysInclude: ['Dockerfile'],
  });
  const headers = await entriesOf(stream);
  const names = headers.map((h) => h.name);
  assert.deepEqual([...names].sort(), [
    '.berth.Dockerfile',
    '.dockerignore',
    '.gitignore',
    'Dockerfile',
    'app.txt',
    'keep.log',
    'lib',
    'lib/deep',
    'lib/deep/mod.js',
    'lib/up',
    'link',
    'run.sh',
  ]);
  assert.equal(names.at(-1), '.berth.Dockerfile');
  const byName = new Map(headers.map((h) => [h.name, h]));
  assert.equal((byName.get('run.sh')?.mode ?? 0) & 0o777, 0o755);
  assert.equal(byName.get('link')?.type, 'symlink');
  assert.equal(byName.get('link')?.linkname, 'app.txt');
  assert.equal(byName.get('lib')?.type, 'directory');
  assert.equal(byName.get('app.txt')?.uid, 0);
  const stats = await done;
  assert.equal(stats.files, 8);
  assert.ok(stats.bytes > 0);
});

test('a chain of links, each contained on its own, is left out of the pack; so is a Dockerfile reached through one', async () => {
  const tree = join(dir, `chain-${++seq}`);
  const deep = Array.from({ length: 25 }, (_, i) => `d${i}`).join('/');
  await mkdir(join(tree, deep), { recursive: true });
  await writeFile(join(dir, 'outside-secret'), 'secret\n');
  await symlink(Array(25).fill('..').join('/'), join(tree, deep, 'up'));
  await symlink(`${deep}/up/../outside-secret`, join(tree, 'chain'));
  await symlink(`${deep}/up/..`, join(tree, 'parentdir'));
  await writeFile(join(tree, 'ok.txt'), 'ok\n');
  const names = (
    await entriesOf(
      packDirectory(tree, { ignoreFiles: [], alwaysInclude: ['parentdir/outside-secret', 'chain'] }).stream,
    )
  ).map((h) => h.name);
  assert.ok(names.includes(`${deep}/up`), 'the link to the root itself is fine');
  assert.ok(names.includes('ok.txt'));
  for (const bad of ['chain', 'parentdir', 'parentdir/outside-secret']) assert.ok(!names.includes(bad), bad);
});

test('a packed directory unpacks to the same tree', async () => {
  const { stream } = packDirectory(src, {
    ignoreFiles: ['.gitignore'],
    extraFiles: { 'gen/Dockerfile': 'FROM x\n' },
  });
  const out = fresh();
  const got = await unpackArchive(stream, out, limits);
  assert.ok(got.files >= 8);
  assert.equal(await readFile(join(out, 'app.txt'), 'utf8'), 'hello\n');
  assert.equal(await readFile(join(out, 'gen/Dockerfile'), 'utf8'), 'FROM x\n');
  assert.equal((await stat(join(out, 'run.sh'))).mode & 0o777, 0o755);
  assert.equal(await readlink(join(out, 'lib/up')), '../app.txt');
  assert.equal(await readFile(join(out, 'lib/up'), 'utf8'), 'hello\n');
  for (const absent of ['.git', 'escape', 'absolute', 'a.sock', 'debug.log', 'build']) {
    assert.equal(existsSync(join(out, absent)), false, absent);
  }
});

test('packDirectory fails with VALIDATION_FAILED past maxBytes, and so does its stream', async () => {
  const { stream, done } = packDirectory(src, { ignoreFiles: [], maxBytes: 20 });
  const streamFailed = new Promise<unknown>((resolve) => stream.on('error', resolve));
  stream.resume();
  await refused(done, /larger than 20 bytes/);
  assert.ok((await streamFailed) instanceof BerthError);
});

test('packDirectory refuses extra file names that climb out', () => {
  assert.throws(() => packDirectory(src, { ignoreFiles: [], extraFiles: { '../x': '' } }), BerthError);
  assert.throws(() => packDirectory(src, { ignoreFiles: [], extraFiles: { '/etc/x': '' } }), BerthError);
});

test('listFiles: top-level files first, ignore rules, no .git, at most max', async () => {
  const all = await listFiles(src, { ignoreFiles: ['.gitignore'], max: 100 });
  assert.ok(all.includes('app.txt') && all.includes('lib/deep/mod.js') && all.includes('link'));
  assert.ok(!all.some((f) => f.startsWith('.git/') || f === 'debug.log' || f.startsWith('build/')));
  assert.ok(all.indexOf('run.sh') < all.indexOf('lib/deep/mod.js'), 'breadth first');
  assert.equal((await listFiles(src, { ignoreFiles: [], max: 3 })).length, 3);
});

test('unpackArchive refuses absolute paths and ".." without writing outside', async () => {
  const outside = join(dir, 'outside-1');
  await refused(
    unpackArchive(archive([{ header: { name: `${outside}/x`, type: 'file' }, body: 'x' }]), fresh(), limits),
    /absolute path/,
  );
  for (const name of ['../evil', 'a/../../evil', 'a/b/../../../evil']) {
    await refused(
      unpackArchive(archive([{ header: { name, type: 'file' }, body: 'x' }]), fresh(), limits),
      /"\.\."/,
    );
  }
  assert.equal(existsSync(outside), false);
  assert.equal(existsSync(join(dir, 'evil')), false);
});

test('unpackArchive refuses symlinks out of the dir and writes through symlinks', async () => {
  for (const linkname of ['../outside', '/etc', 'a/../../x', '']) {
    await refused(
      unpackArchive(archive([{ header: { name: 'l', type: 'symlink', linkname } }]), fresh(), limits),
      /points outside/,
    );
  }
  await refused(
    unpackArchive(
      archive([
        { header: { name: 'real', type: 'directory' } },
        { header: { name: 'alias', type: 'symlink', linkname: 'real' } },
        { header: { name: 'alias/x', type: 'file' }, body: 'x' },
      ]),
      fresh(),
      limits,
    ),
    /through symlinks/,
  );
  // A symlink already in the target dir that points outside is never followed.
  const target = fresh();
  const outside = join(dir, 'outside-2');
  await mkdir(outside);
  await mkdir(target);
  await symlink(outside, join(target, 'pre'));
  await refused(
    unpackArchive(archive([{ header: { name: 'pre/x', type: 'file' }, body: 'x' }]), target, limits),
    /through symlinks/,
  );
  await unpackArchive(archive([{ header: { name: 'pre', type: 'file' }, body: 'replaced' }]), target, limits);
  assert.ok((await lstat(join(target, 'pre'))).isFile());
  assert.equal(existsSync(join(outside, 'x')), false);
});

test('unpackArchive refuses devices, fifos, hard links and type clashes', async () => {
  const cases: [TarHeader, RegExp][] = [
    [{ name: 'null', type: 'character-device' }, /character-device/],
    [{ name: 'disk', type: 'block-device' }, /block-device/],
    [{ name: 'pipe', type: 'fifo' }, /fifo/],
    [{ name: 'hard', type: 'link', linkname: 'app.txt' }, /hard link/],
  ];
  for (const [header, message] of cases) {
    await refused(unpackArchive(archive([{ header }]), fresh(), limits), message);
  }
  await refused(
    unpackArchive(
      archive([
        { header: { name: 'd', type: 'directory' } },
        { header: { name: 'd', type: 'file' }, body: 'x' },
      ]),
      fresh(),
      limits,
    ),
    /both a directory and a file/,
  );
});

test('unpackArchive enforces maxBytes and maxFiles', async () => {
  const many = Array.from({ length: 11 }, (_, i) => ({
    header: { name: `f${i}`, type: 'file' as const },
    body: 'x',
  }));
  await refused(
    unpackArchive(archive(many), fresh(), { maxBytes: 1000, maxFiles: 10 }),
    /more than 10 entries/,
  );
  const big = [{ header: { name: 'big', type: 'file' as const }, body: 'x'.repeat(2000) }];
  await refused(
    unpackArchive(archive(big), fresh(), { maxBytes: 1000, maxFiles: 10 }),
    /larger than 1000 bytes/,
  );
});

test('unpackArchive refuses what is not a tar, and a truncated tar', async () => {
  await refused(unpackArchive(Readable.from([Buffer.alloc(1024, 7)]), fresh(), limits), /could not be read/);
  const whole: Buffer[] = [];
  for await (const chunk of archive([{ header: { name: 'a', type: 'file' }, body: 'x'.repeat(5000) }])) {
    whole.push(chunk as Buffer);
  }
  const truncated = Buffer.concat(whole).subarray(0, 2048);
  await refused(unpackArchive(Readable.from([truncated]), fresh(), limits), /could not be read/);
});

test('a file that changes size while it is packed fails the pack, not the process', async () => {
  const src2 = join(dir, 'changing');
  await mkdir(src2);
  await writeFile(join(src2, 'shrinks.bin'), Buffer.alloc(8 * 1024 * 1024));
  const { stream, done } = packDirectory(src2, { ignoreFiles: [] });
  const failed = new Promise<unknown>((resolve) => stream.on('error', resolve));
  // Nobody reads yet: the packer stalls inside the file; then the file shrinks under it.
  await stalledInsideFile(stream);
  await truncate(join(src2, 'shrinks.bin'), 0);
  stream.resume();
  await assert.rejects(done, (err) => err instanceof BerthError && /changed while/.test(err.message));
  assert.ok((await failed) instanceof BerthError);
});

test('destroying the stream stops the packing', async () => {
  const src3 = join(dir, 'big');
  await mkdir(src3);
  await writeFile(join(src3, 'big.bin'), Buffer.alloc(8 * 1024 * 1024));
  const { stream, done } = packDirectory(src3, { ignoreFiles: [] });
  await stalledInsideFile(stream);
  stream.destroy();
  // tar-stream ends the entry it was reading when its reader goes away.
  await assert.rejects(done, { message: /premature close/ });
});

/**
 * Until the packer has filled the stream's buffer, which it can only do from inside the 8 MiB
 * file (the header alone is 512 bytes): nobody reads, so it waits there for room.
 */
async function stalledInsideFile(stream: Readable): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (stream.readableLength < stream.readableHighWaterMark) {
    assert.ok(Date.now() < deadline, `the packer never filled the stream (${stream.readableLength} bytes)`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
