import assert from 'node:assert/strict';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  BackupList,
  BackupScheduleList,
  BackupScheduleView,
  BackupTargetList,
  BackupTargetView,
  BackupView,
  SystemBackupList,
  SystemBackupView,
} from '@berth/protocol';
import { s3TargetVia, verifiedBackupRow, verifiedDatabaseBackupRow } from './backups.js';
import { API, expectProblem } from './http.js';
import type { Ctx, RouteCase } from './route-cases.js';
import { joinedServerVia } from './servers.js';

/** Cases for backups: see route-cases.ts. The volume's server has joined; its agent never connects here. */

async function volumeAndTarget(c: Ctx): Promise<void> {
  await joinedServerVia(c.client, `${c.name}-srv`);
  const res = await c.client.send({
    method: 'POST',
    url: `${API}/volumes`,
    body: { name: c.name, server: `${c.name}-srv` },
  });
  assert.equal(res.status, 201, res.text);
  await s3TargetVia(c.client, c.name, 'default');
}

async function databaseAndTarget(c: Ctx): Promise<void> {
  await joinedServerVia(c.client, `${c.name}-srv`);
  const res = await c.client.send({
    method: 'POST',
    url: `${API}/databases`,
    body: { name: c.name, engine: 'postgres', server: `${c.name}-srv` },
  });
  assert.equal(res.status, 201, res.text);
  await s3TargetVia(c.client, c.name, 'default');
}

export const BACKUP_CASES: Record<string, RouteCase> = {
  listBackupTargets: {
    arrange: async (c) => {
      await s3TargetVia(c.client, c.name, 'default');
      return {};
    },
    status: 200,
    check: (res, c) => {
      assert.ok(!res.text.includes('never-returned-secret'), 'the secret key is never returned');
      assert.ok(!res.text.includes('AKIDTEST'), 'nor the access key id');
      const t = (res.json as BackupTargetList).targets.find((x) => x.name === c.name);
      assert.deepEqual([t?.kind, t?.location], ['s3', 's3 https://s3.example.com/berth-test/berth/']);
    },
  },
  createBackupTarget: {
    bodyOf: (c) => ({ name: c.name, dir: '/srv/backups' }),
    status: 201,
    check: (res, c) => {
      const t = res.json as BackupTargetView;
      assert.deepEqual([t.name, t.kind, t.location], [c.name, 'dir', 'directory /srv/backups']);
    },
  },
  deleteBackupTarget: {
    arrange: async (c) => {
      await s3TargetVia(c.client, c.name, 'default');
      return { name: c.name };
    },
    query: 'team=default',
    status: 204,
  },
  listVolumeBackups: {
    arrange: async (c) => {
      await volumeAndTarget(c);
      return { name: c.name };
    },
    query: 'team=default',
    status: 200,
    check: (res) => assert.deepEqual((res.json as BackupList).backups, []),
  },
  // A run is queued as a durable job (no worker runs in these tests): 202 with the running row,
  // the job in the queue, and getBackup shows the same row.
  runVolumeBackup: {
    arrange: async (c) => {
      await volumeAndTarget(c);
      return { name: c.name };
    },
    bodyOf: (c) => ({ target: c.name }),
    status: 202,
    check: async (res, c) => {
      const queued = res.json as BackupView;
      assert.deepEqual(
        [queued.status, queued.source, queued.target],
        ['running', { kind: 'volume', name: c.name }, c.name],
      );
      const job = await c.api.store.jobs.claim('route-case', Date.now(), 1000, ['backup']);
      assert.equal((job?.payload as { backupId?: string } | undefined)?.backupId, queued.id);
      const got = await c.client.send({ method: 'GET', url: `${API}/backups/${queued.id}` });
      assert.equal((got.json as BackupView).id, queued.id);
    },
  },
  listDatabaseBackups: {
    arrange: async (c) => {
      await databaseAndTarget(c);
      return { name: c.name };
    },
    query: 'team=default',
    status: 200,
    check: (res) => assert.deepEqual((res.json as BackupList).backups, []),
  },
  runDatabaseBackup: {
    arrange: async (c) => {
      await databaseAndTarget(c);
      return { name: c.name };
    },
    bodyOf: (c) => ({ target: c.name }),
    status: 202,
    check: async (res, c) => {
      const queued = res.json as BackupView;
      assert.deepEqual(
        [queued.status, queued.source, queued.target],
        ['running', { kind: 'database', name: c.name }, c.name],
      );
      assert.match(queued.objectKey, /^databases\/db_/);
      const job = await c.api.store.jobs.claim('route-case', Date.now(), 1000, ['backup']);
      assert.equal((job?.payload as { backupId?: string } | undefined)?.backupId, queued.id);
    },
  },
  getBackup: {
    arrange: async (c) => {
      await volumeAndTarget(c);
      const team = await c.api.store.teams.getByName('default');
      return { id: await verifiedBackupRow(c.api.store, team?.id ?? '', c.name, c.name) };
    },
    query: 'team=default',
    status: 200,
    check: (res) => assert.equal((res.json as BackupView).status, 'verified'),
  },
  listBackupSchedules: {
    arrange: async (c) => {
      await volumeAndTarget(c);
      const res = await c.client.send({
        method: 'PUT',
        url: `${API}/backup-schedules`,
        body: { source: c.name, target: c.name, cron: '0 3 * * *', keep: 3 },
      });
      assert.equal(res.status, 200, res.text);
      return {};
    },
    status: 200,
    check: (res, c) => {
      const s = (res.json as BackupScheduleList).schedules.find((x) => x.source.name === c.name);
      assert.deepEqual([s?.target, s?.cron, s?.keep, s?.lastRunAt], [c.name, '0 3 * * *', 3, null]);
      assert.match(s?.nextRunAt ?? '', /T03:00:00.000Z$/);
    },
  },
  setBackupSchedule: {
    arrange: async (c) => {
      await volumeAndTarget(c);
      return {};
    },
    bodyOf: (c) => ({ source: c.name, target: c.name, cron: '*/2 * * * * *', keep: 2 }),
    status: 200,
    check: async (res, c) => {
      const s = res.json as BackupScheduleView;
      assert.deepEqual(
        [s.source, s.cron, s.keep, s.replaced],
        [{ kind: 'volume', name: c.name }, '*/2 * * * * *', 2, false],
      );
      // Again: the same row, replaced in place.
      const again = await c.client.send({
        method: 'PUT',
        url: `${API}/backup-schedules`,
        body: { source: c.name, target: c.name, cron: '0 3 * * *', keep: 14 },
      });
      const replaced = again.json as BackupScheduleView;
      assert.deepEqual([replaced.id, replaced.keep, replaced.replaced], [s.id, 14, true]);
      // A bad cron and keep 0 are refused, naming the field.
      for (const [body, field] of [
        [{ source: c.name, target: c.name, cron: '61 * * * *', keep: 1 }, /cron/],
        [{ source: c.name, target: c.name, cron: '0 3 * * *', keep: 0 }, /keep/],
      ] as const) {
        const bad = await c.client.send({ method: 'PUT', url: `${API}/backup-schedules`, body });
        assert.equal(bad.status, 400, bad.text);
        assert.match(bad.text, field);
      }
    },
  },
  deleteBackupSchedule: {
    arrange: async (c) => {
      await volumeAndTarget(c);
      await s3TargetVia(c.client, 'sched-target', 'default');
      const res = await c.client.send({
        method: 'PUT',
        url: `${API}/backup-schedules`,
        body: { source: c.name, target: 'sched-target', cron: '0 3 * * *', keep: 3 },
      });
      assert.equal(res.status, 200, res.text);
      return { source: c.name };
    },
    query: 'target=sched-target&team=default',
    status: 204,
    check: async (_res, c) => {
      const list = await c.client.send({ method: 'GET', url: `${API}/backup-schedules` });
      assert.ok(!(list.json as BackupScheduleList).schedules.some((s) => s.source.name === c.name));
    },
  },
  restoreVolume: {
    arrange: async (c) => {
      await volumeAndTarget(c);
      const team = await c.api.store.teams.getByName('default');
      c.vars.backup = await verifiedBackupRow(c.api.store, team?.id ?? '', c.name, c.name);
      return { name: c.name };
    },
    bodyOf: (c) => ({ backup: c.vars.backup }),
    status: 503,
    check: (res) => {
      expectProblem(res, 503, 'AGENT_UNAVAILABLE');
    },
  },
  restoreDatabase: {
    arrange: async (c) => {
      await databaseAndTarget(c);
      const team = await c.api.store.teams.getByName('default');
      c.vars.backup = await verifiedDatabaseBackupRow(c.api.store, team?.id ?? '', c.name, c.name);
      return { name: c.name };
    },
    bodyOf: (c) => ({ backup: c.vars.backup, to: 'rc-restored' }),
    status: 503,
    check: async (res, c) => {
      expectProblem(res, 503, 'AGENT_UNAVAILABLE');
      // Refused before anything is made: no new database.
      const team = await c.api.store.teams.getByName('default');
      assert.equal(await c.api.store.databases.getByName(team?.id ?? '', 'rc-restored'), null);
    },
  },
  // berthd writes the system backup itself, to a directory under the test's data dir.
  createSystemBackup: {
    arrange: async (c) => {
      const dir = join(c.api.dataDir, `system-${c.name}`);
      await mkdir(dir);
      const res = await c.client.send({
        method: 'POST',
        url: `${API}/backup-targets`,
        body: { name: c.name, dir },
      });
      assert.equal(res.status, 201, res.text);
      c.vars.dir = dir;
      return {};
    },
    bodyOf: (c) => ({ target: c.name, passphrase: 'a route case passphrase' }),
    status: 201,
    check: async (res, c) => {
      const b = res.json as SystemBackupView;
      assert.ok(!res.text.includes('a route case passphrase'), 'the passphrase is never returned');
      assert.equal((await stat(join(c.vars.dir ?? '', ...b.key.split('/')))).size, b.bytes);
      assert.ok(b.files.includes('master.key'), b.files.join());
    },
  },
  listSystemBackups: {
    status: 200,
    check: (res) => assert.ok(Array.isArray((res.json as SystemBackupList).backups)),
  },
};
