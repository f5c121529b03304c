import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BackupCreateParams, BackupRestoreParams } from './api-backups.js';

const base = {
  backupId: 'bkp_abcdefghijklmnopqrst',
  target: { kind: 'dir', root: '/srv/backups' },
  objectKey: 'db/x.berth',
  recipientPublicKey: 'pk',
};
const volume = { engineName: 'berth-vol-abcdefghijklmnopqrst', volumeId: 'vol_abcdefghijklmnopqrst' };

test('backup.create takes a source, and the older top-level volume as a volume source', () => {
  const database = BackupCreateParams.parse({
    ...base,
    source: { kind: 'database', appId: 'app_abcdefghijklmnopqrst', engine: 'postgres' },
  });
  assert.deepEqual(database.source, {
    kind: 'database',
    appId: 'app_abcdefghijklmnopqrst',
    engine: 'postgres',
  });
  assert.deepEqual(BackupCreateParams.parse({ ...base, volume }).source, { kind: 'volume', volume });
  assert.deepEqual(BackupCreateParams.parse({ ...base, source: { kind: 'volume', volume } }).source, {
    kind: 'volume',
    volume,
  });
});

test('backup.create refuses both shapes at once, an unknown engine or a hostile app id', () => {
  for (const params of [
    { ...base, volume, source: { kind: 'volume', volume } },
    { ...base, source: { kind: 'database', appId: 'app_abcdefghijklmnopqrst', engine: 'oracle' } },
    { ...base, source: { kind: 'database', appId: 'x; rm -rf /', engine: 'redis' } },
    base,
  ])
    assert.equal(BackupCreateParams.safeParse(params).success, false, JSON.stringify(params));
});

test('backup.restore expects a tree or dump-time counts', () => {
  const restore = {
    ...base,
    sha256: 'a'.repeat(64),
    dataKeySealed: 'k',
    into: null,
    database: { appId: 'app_abcdefghijklmnopqrst', engine: 'mysql' },
    expected: {
      engine: 'mysql',
      sourceStable: true,
      toolOutput: '',
      counts: { unit: 'rows', counts: [{ name: 'it\'s a "table"', count: 3 }] },
    },
  };
  delete (restore as { recipientPublicKey?: string }).recipientPublicKey;
  assert.equal(BackupRestoreParams.safeParse(restore).success, true);
  const negative = { ...restore.expected, counts: { unit: 'rows', counts: [{ name: 't', count: -1 }] } };
  assert.equal(BackupRestoreParams.safeParse({ ...restore, expected: negative }).success, false);
});
