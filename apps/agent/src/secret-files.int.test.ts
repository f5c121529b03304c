import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { SecretFiles, toFileOwner } from './secret-files.js';

const TMPFS_MAGIC = 0x01021994;
const log = pino({ level: 'silent' });
const isRoot = process.getuid?.() === 0;

test(
  'secret files live on a tmpfs of their own, per container, 0400 for a known user, and go with it',
  { skip: !isRoot && 'needs root to mount' },
  async () => {
    const base = await mkdtemp(join(tmpdir(), 'berth-secret-files-'));
    const dir = join(base, 'secrets');
    const files = new SecretFiles(dir, log, true);
    try {
      const mounts = await files.write(
        'berth-web-v1-abcdef-1',
        [{ key: 'DB_PASSWORD', target: '/run/secrets/db', value: 'hunter2' }],
        { uid: 1000, gid: 1000 },
      );
      assert.equal((await statfs(dir)).type, TMPFS_MAGIC, 'a tmpfs, never the disk');
      assert.equal((await stat(dir)).mode & 0o777, 0o700);
      assert.deepEqual(mounts, [
        { source: join(dir, 'berth-web-v1-abcdef-1', 'DB_PASSWORD'), target: '/run/secrets/db' },
      ]);
      const file = await stat(mounts[0]!.source);
      assert.deepEqual([file.mode & 0o777, file.uid, file.gid], [0o400, 1000, 1000]);
      assert.equal(await readFile(mounts[0]!.source, 'utf8'), 'hunter2');
      assert.equal((await stat(join(dir, 'berth-web-v1-abcdef-1'))).mode & 0o777, 0o500);

      // An image whose user is a name: readable by whoever the container runs as.
      const named = await files.write(
        'berth-api-v2-ghijkl-1',
        [{ key: 'K', target: '/run/secrets/k', value: 'v' }],
        null,
      );
      assert.equal((await stat(named[0]!.source)).mode & 0o777, 0o444);
      // A replica restarted under the same name gets fresh files, not an error.
      await files.write('berth-api-v2-ghijkl-1', [{ key: 'K', target: '/run/secrets/k', value: 'v2' }], null);
      assert.equal(await readFile(named[0]!.source, 'utf8'), 'v2');

      await files.remove('berth-web-v1-abcdef-1');
      await files.sweep(new Set(['some-other-container']));
      assert.deepEqual(await readdir(dir), []);
      await assert.rejects(files.remove('../escape'), /Invalid container name/);
    } finally {
      await files.close();
      assert.notEqual((await statfs(dir)).type, TMPFS_MAGIC, 'unmounted on close');
      await rm(base, { recursive: true, force: true });
    }
  },
);

test('without root and without a tmpfs, a file secret fails the start with what to do', async () => {
  const base = await mkdtemp(join(tmpdir(), 'berth-secret-files-'));
  try {
    if ((await statfs(base)).type === TMPFS_MAGIC) return; // this host's tmpdir is a tmpfs: nothing to refuse
    const files = new SecretFiles(join(base, 'secrets'), log, false);
    await assert.rejects(
      files.write('berth-web-v1-abcdef-1', [{ key: 'K', target: '/run/secrets/k', value: 'v' }], null),
      (err: unknown) =>
        err instanceof Error &&
        'code' in err &&
        err.code === 'DEPLOY_START_FAILED' &&
        /tmpfs/.test(err.message),
    );
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});

test("the files' owner follows the image's user when it is root or a number", () => {
  assert.deepEqual(toFileOwner(''), { uid: 0, gid: 0 });
  assert.deepEqual(toFileOwner('root'), { uid: 0, gid: 0 });
  assert.deepEqual(toFileOwner('0'), { uid: 0, gid: 0 });
  assert.deepEqual(toFileOwner('1000'), { uid: 1000, gid: 1000 });
  assert.deepEqual(toFileOwner('1000:50'), { uid: 1000, gid: 50 });
  assert.equal(toFileOwner('node'), null);
  assert.equal(toFileOwner('www-data:www-data'), null);
});
