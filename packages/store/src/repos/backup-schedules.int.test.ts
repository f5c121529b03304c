// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '@berth/protocol';
import { newId, NOW, openTempStore } from '../test-support/fixtures.js';
import type { BackupScheduleRow } from '../types-backups.js';

/** Backup schedules on a real SQLite file: one per source and target, fire times by compare-and-set. */

const schedule = (
  teamId: string,
  targetId: string,
  over: Partial<BackupScheduleRow> = {},
): BackupScheduleRow => ({
  id: newId('bks'),
  teamId,
  sourceKind: 'volume',
  sourceId: 'vol_aaaaaaaaaaaaaaaaaaaa',
  sourceName: 'uploads',
  targetId,
  cron: '0 3 * * *',
  keep: 14,
  lastRunAt: null,
  createdAt: NOW,
  updatedAt: NOW,
  ...over,
});

describe('BackupScheduleRepo', () => {
  it('sets one per source and target: setting again replaces it in place and restarts its fire times', async () => {
    const env = await openTempStore();
    try {
      const targetId = newId('bkt');
      await env.store.backupTargets.create({
        id: targetId,
        teamId: env.teamId,
        name: 'offsite',
        settings: { kind: 'dir', root: '/srv/backups' },
        secretSealed: null,
        allowPrivate: false,
        createdAt: NOW,
      });
      const first = await env.store.backupSchedules.upsert(schedule(env.teamId, targetId));
      assert.equal(first.replaced, false);
      assert.ok(await env.store.backupSchedules.recordFire(first.row.id, null, NOW + 1000));
      // A second pass that read the same last run loses the race: the fire time is acted on once.
      assert.equal(await env.store.backupSchedules.recordFire(first.row.id, null, NOW + 1000), false);
      const again = await env.store.backupSchedules.upsert(
        schedule(env.teamId, targetId, { cron: '*/2 * * * * *', keep: 2, createdAt: NOW + 5000 }),
      );
      assert.deepEqual(
        [
          again.replaced,
          again.row.id,
          again.row.cron,
          again.row.keep,
          again.row.lastRunAt,
          again.row.createdAt,
        ],
        [true, first.row.id, '*/2 * * * * *', 2, null, NOW + 5000],
      );
      assert.equal((await env.store.backupSchedules.list(env.teamId)).length, 1);
      assert.equal((await env.store.backupSchedules.list('tm_other')).length, 0);
      // The target is in use while a schedule names it.
      await assert.rejects(
        env.store.backupTargets.delete(targetId),
        (err: unknown) => err instanceof BerthError && err.code === 'BACKUP_TARGET_IN_USE',
      );
      assert.equal(await env.store.backupSchedules.delete(first.row.id), true);
      assert.equal(await env.store.backupSchedules.delete(first.row.id), false);
      await env.store.backupTargets.delete(targetId);
    } finally {
      await env.done();
    }
  });
});
