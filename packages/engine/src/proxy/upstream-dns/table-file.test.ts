import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BerthError } from '@berth/protocol';
import type { UpstreamTable } from './answer.js';
import { createUpstreamTableFile, createUpstreamTableReader, parseUpstreamTable } from './table-file.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-table-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const t1: UpstreamTable = {
  sets: { 'web.apps.berth.internal': [{ name: 'berth-web-1', host: '127.0.0.1', port: 4001 }] },
};
const t2: UpstreamTable = {
  sets: { 'web.apps.berth.internal': [{ name: 'berth-web-2', host: '127.0.0.1', port: 4002 }] },
};

test('a missing file is an empty table', async () => {
  const path = join(dir, 'missing.json');
  assert.deepEqual(await createUpstreamTableFile(path).read(), { sets: {} });
  assert.deepEqual(createUpstreamTableReader(path).current(), { sets: {} });
});

test('write replaces the file atomically, 0600, leaving no temp files', async () => {
  const path = join(dir, 'atomic.json');
  const store = createUpstreamTableFile(path);
  await store.write(t1);
  const ino = (await stat(path)).ino;
  await store.write(t2);
  assert.notEqual((await stat(path)).ino, ino, 'a rename, not an in-place write');
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.deepEqual(await store.read(), t2);
  assert.deepEqual(await readdir(dir).then((f) => f.filter((n) => n.includes('atomic'))), ['atomic.json']);
});

test('the reader follows writes and re-reads only when the file changed', async () => {
  const path = join(dir, 'follow.json');
  const store = createUpstreamTableFile(path);
  const reader = createUpstreamTableReader(path);
  await store.write(t1);
  const first = reader.current();
  assert.deepEqual(first, t1);
  assert.equal(reader.current(), first, 'same object while the file is unchanged');
  await store.write(t2);
  assert.deepEqual(reader.current(), t2);
  await unlink(path);
  assert.deepEqual(reader.current(), { sets: {} });
});

test('a broken file keeps the last good table and reports it; a fixed file is picked up', async () => {
  const path = join(dir, 'broken.json');
  const errors: BerthError[] = [];
  const reader = createUpstreamTableReader(path, (e) => errors.push(e));
  await createUpstreamTableFile(path).write(t1);
  assert.deepEqual(reader.current(), t1);
  await writeFile(path, '{"sets": {"web": [{"name": "x", "host": "h", "port": 0}]}}');
  assert.deepEqual(reader.current(), t1);
  await writeFile(path, '{"sets": ');
  assert.deepEqual(reader.current(), t1);
  assert.ok(errors.length >= 2);
  assert.ok(errors.every((e) => e.code === 'INTERNAL' && e.message.includes(path)));
  assert.match(errors[0]!.message, /sets\.web\[0\]\.port/);
  await createUpstreamTableFile(path).write(t2);
  assert.deepEqual(reader.current(), t2);
  await writeFile(path, 'nope');
  await assert.rejects(createUpstreamTableFile(path).read(), (e: unknown) => e instanceof BerthError);
});

test('parseUpstreamTable names the bad value', () => {
  assert.throws(() => parseUpstreamTable(null), /sets is not an object/);
  assert.throws(() => parseUpstreamTable({ sets: { a: {} } }), /sets\.a is not a list/);
  assert.throws(
    () => parseUpstreamTable({ sets: { a: [{ name: '', host: 'h', port: 1 }] } }),
    /sets\.a\[0\]\.name/,
  );
  assert.throws(() => parseUpstreamTable({ sets: { a: [{ name: 'n', host: 'h', port: 1.5 }] } }), /port/);
  assert.deepEqual(
    parseUpstreamTable({ sets: { a: [{ name: 'n', host: 'h', port: 1, extra: true }] }, v: 1 }),
    {
      sets: { a: [{ name: 'n', host: 'h', port: 1 }] },
    },
  );
});
