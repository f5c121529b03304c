/**
 * Issue 12, Berth's own state through the CLI against a real `berth up`: an app, a secret and a
 * volume are made; `berth system backup --target` writes the sealed state to a directory target
 * (read back and verified by berthd); the instance stops; `berth system restore` writes it into
 * a fresh data dir (a wrong passphrase first: refused, nothing written); `berth up` starts there,
 * its local agent links again, the app and the volume are listed, the secret opens under the
 * restored master key, and the audit chain verifies.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createSecretBox, loadKeyring } from '@berth/crypto';
import type { App, SystemBackupView, Volume } from '@berth/protocol';
import { openSqliteStore } from '@berth/store';
import { HELLO_V1 } from '../support/images.js';
import { BerthUnderTest } from './support/berth.js';

const PASSPHRASE = 'a long passphrase for the test';

describe('system backup and restore', () => {
  let first: BerthUnderTest;
  let second: BerthUnderTest;
  let targetDir: string;
  let backup: SystemBackupView;

  before(async () => {
    targetDir = await mkdtemp(join(tmpdir(), 'berth-e2e-system-target-'));
    first = await BerthUnderTest.create();
    second = await BerthUnderTest.create();
    await first.start();
  });
  after(async () => {
    await first?.destroy();
    await second?.destroy();
    await rm(targetDir, { recursive: true, force: true });
  });

  test('backs up a running berthd to a directory target, verified', async () => {
    const ok = async (args: string[], input = ''): Promise<string> => {
      const r = await first.cli(args, {}, input);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      return r.stdout;
    };
    await ok(['backups', 'targets', 'add', 'local', '--dir', targetDir]);
    await ok(['apps', 'create', 'web', '--image', HELLO_V1]);
    await ok(['secrets', 'set', 'web', '--stdin', '--no-wait'], 'API_KEY=sealed-value-42\n');
    await ok(['volumes', 'create', 'uploads']);

    const short = await first.cli(
      ['system', 'backup', '--target', 'local', '--passphrase-stdin'],
      {},
      'too short',
    );
    assert.notEqual(short.code, 0);
    assert.match(short.stderr, /12/);

    const out = await ok(
      ['system', 'backup', '--target', 'local', '--passphrase-stdin', '--json'],
      `${PASSPHRASE}\n`,
    );
    backup = JSON.parse(out) as SystemBackupView;
    assert.match(backup.key, /^berth-system\/.*\.berthsb$/);
    assert.ok(backup.files.includes('master.key'), backup.files.join());
    const stored = await readFile(join(targetDir, ...backup.key.split('/')));
    assert.equal(stored.length, backup.bytes);
    assert.ok(!stored.includes(Buffer.from('sealed-value-42')));

    const list = JSON.parse(await ok(['system', 'backups', '--json'])) as { backups: SystemBackupView[] };
    assert.deepEqual(
      list.backups.map((b) => b.id),
      [backup.id],
    );
    assert.match(await ok(['audit', 'list', '--json']), /"system\.backup"/);
    await first.stop();
  });

  test('a wrong passphrase is refused and writes nothing', async () => {
    const file = join(targetDir, ...backup.key.split('/'));
    const r = await second.cli(
      ['system', 'restore', '--from', file, '--data-dir', second.dataDir, '--passphrase-stdin'],
      {},
      'not the right passphrase\n',
    );
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /passphrase is wrong/);
    const entries = await readdir(second.dataDir).catch(() => []);
    assert.deepEqual(entries, []);
  });

  test('restores into a fresh data dir, and berth up starts there with the same state', async () => {
    const file = join(targetDir, ...backup.key.split('/'));
    const r = await second.cli(
      ['system', 'restore', '--from', file, '--data-dir', second.dataDir, '--passphrase-stdin'],
      {},
      `${PASSPHRASE}\n`,
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal((await stat(join(second.dataDir, 'master.key'))).mode & 0o777, 0o600);
    assert.equal((await stat(second.dataDir)).mode & 0o777, 0o700);

    // A second restore over it is refused without --force.
    const again = await second.cli(
      ['system', 'restore', '--from', file, '--data-dir', second.dataDir, '--passphrase-stdin'],
      {},
      `${PASSPHRASE}\n`,
    );
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /not empty/);

    // The sealed secret opens under the restored master key, read straight from the files.
    const store = await openSqliteStore({ file: join(second.dataDir, 'berth.db') });
    try {
      const keyring = await loadKeyring({ file: join(second.dataDir, 'master.key') });
      const app = (await store.apps.list()).find((a) => a.name === 'web');
      assert.ok(app);
      const [secret] = await store.secrets.list(app.id);
      assert.ok(secret);
      const value = createSecretBox(keyring).open(
        'app-secret',
        { keyId: secret.keyId, value: secret.value },
        `app:${app.id}:API_KEY`,
      );
      assert.equal(value, 'sealed-value-42');
    } finally {
      await store.close();
    }

    await second.start();
    await second.waitForAgentsOnline();
    const apps = await second.json<App[]>(['apps', 'list']);
    assert.ok(apps.some((a) => a.name === 'web'));
    const secrets = await second.cli(['secrets', 'list', 'web']);
    assert.equal(secrets.code, 0, secrets.stderr);
    assert.match(secrets.stdout, /API_KEY/);
    const { volumes } = await second.json<{ volumes: Volume[] }>(['volumes', 'list']);
    assert.ok(volumes.some((v) => v.name === 'uploads'));
    const verified = await second.cli(['audit', 'verify']);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    const listed = await second.json<{ backups: SystemBackupView[] }>(['system', 'backups']);
    assert.deepEqual(
      listed.backups.map((b) => b.id),
      [],
      'the record is written after the snapshot: the restored state predates it',
    );
  });
});
