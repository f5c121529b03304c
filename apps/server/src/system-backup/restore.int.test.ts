// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
/**
 * The system backup's parts on real files: a snapshot of a WAL database taken while another
 * connection keeps committing is whole and consistent; a restore writes the state with owner-only
 * modes, refuses a data dir with anything in it (and, with force, removes a stale -wal that SQLite
 * would replay), and a wrong passphrase or a damaged file writes nothing.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { packSystemBackup, sealSystemBackup, type SealOptions } from '@berth/crypto';
import { isBerthError } from '@berth/protocol';
import { checkSqliteIntegrity, openSqliteStore, snapshotSqlite } from '@berth/store';
import { restoreSystemBackup } from './restore.js';

const FAST: SealOptions = { scrypt: { N: 2 ** 10, r: 8, p: 1 } };
const PASS = 'a passphrase for the int test';

describe('system backup on real files', () => {
  let dir: string;
  let snapshot: Buffer;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-system-backup-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('a snapshot taken while commits go on is whole, and holds a prefix of them', async () => {
    const file = join(dir, 'live', 'berth.db');
    const store = await openSqliteStore({ file });
    try {
      await store.meta.set('n', '0');
      let writing = true;
      let committed = 0;
      const writer = (async () => {
        while (writing) {
          await store.transaction(async (tx) => {
            await tx.meta.set(`k${committed + 1}`, 'x'.repeat(2000));
            await tx.meta.set('n', String(committed + 1));
          });
          committed++;
          await new Promise((r) => setImmediate(r));
        }
      })();
      await new Promise((r) => setTimeout(r, 100));
      const copy = join(dir, 'copy.db');
      snapshotSqlite(file, copy);
      writing = false;
      await writer;
      assert.deepEqual(checkSqliteIntegrity(copy), []);
      assert.deepEqual(
        (await readdir(dir)).filter((f) => f.startsWith('copy')),
        ['copy.db'],
        'one file: no -wal beside it',
      );
      const restored = await openSqliteStore({ file: copy });
      try {
        const n = Number(await restored.meta.get('n'));
        assert.ok(n > 0 && n <= committed, `${n} of ${committed}`);
        // Each commit wrote k<n> and n together: the copy has exactly the first n.
        assert.notEqual(await restored.meta.get(`k${n}`), null);
        assert.equal(await restored.meta.get(`k${n + 1}`), null);
      } finally {
        await restored.close();
      }
      snapshot = await readFile(copy);
    } finally {
      await store.close();
    }
  });

  const sealed = (): Buffer =>
    sealSystemBackup(
      packSystemBackup({ createdAt: 1, berthVersion: 'test', masterKeyFromEnvironment: false }, [
        { path: 'berth.db', mode: 0o600, data: snapshot },
        { path: 'master.key', mode: 0o666, data: Buffer.from('{"keys":[]}') },
        { path: 'ca.crt', mode: 0o644, data: Buffer.from('cert') },
        { path: 'registry/login.key', mode: 0o600, data: Buffer.from('k') },
      ]),
      PASS,
      FAST,
    );

  test('a wrong passphrase and a damaged file write nothing', async () => {
    const dataDir = join(dir, 'wrong');
    const good = sealed();
    await assert.rejects(
      restoreSystemBackup({ sealed: good, passphrase: `${PASS}?`, dataDir, force: false }),
      (err) =>
        isBerthError(err) && err.code === 'VALIDATION_FAILED' && /passphrase is wrong/.test(err.message),
    );
    await assert.rejects(
      restoreSystemBackup({
        sealed: good.subarray(0, good.length - 1),
        passphrase: PASS,
        dataDir,
        force: false,
      }),
      (err) => isBerthError(err) && err.code === 'BACKUP_INTEGRITY_FAILED',
    );
    await assert.rejects(stat(dataDir), { code: 'ENOENT' });
  });

  test('restores with owner-only modes; a non-empty dir needs force, which drops a stale -wal', async () => {
    const dataDir = join(dir, 'data');
    const result = await restoreSystemBackup({ sealed: sealed(), passphrase: PASS, dataDir, force: false });
    assert.deepEqual(result.files, ['berth.db', 'master.key', 'ca.crt', 'registry/login.key']);
    const mode = async (p: string): Promise<number> => (await stat(join(dataDir, p))).mode & 0o777;
    assert.deepEqual(
      [
        await mode('.'),
        await mode('berth.db'),
        await mode('master.key'),
        await mode('ca.crt'),
        await mode('registry'),
      ],
      [0o700, 0o600, 0o644 & 0o666, 0o644, 0o700],
    );
    assert.deepEqual(checkSqliteIntegrity(join(dataDir, 'berth.db')), []);

    await assert.rejects(
      restoreSystemBackup({ sealed: sealed(), passphrase: PASS, dataDir, force: false }),
      (err) => isBerthError(err) && /not empty/.test(err.message),
    );
    await writeFile(join(dataDir, 'berth.db-wal'), 'stale');
    await writeFile(join(dataDir, 'audit.head'), 'of the old installation');
    await mkdir(join(dataDir, 'logs'));
    await restoreSystemBackup({ sealed: sealed(), passphrase: PASS, dataDir, force: true });
    const left = await readdir(dataDir);
    assert.ok(!left.includes('berth.db-wal') && !left.includes('audit.head'), left.join(' '));
    assert.ok(left.includes('logs'), 'what is not state is left alone');
  });
});
