import assert from 'node:assert/strict';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  BackupList,
  BackupTargetList,
  BackupTargetView,
  SystemBackupList,
  SystemBackupView,
} from '@berth/protocol';
import { s3TargetVia, verifiedBackupRow } from './backups.js';
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
  // No agent connects here: the backup is recorded as failed with the reason, and the answer says so.
  runVolumeBackup: {
    arrange: async (c) => {
      await volumeAndTarget(c);
      return { name: c.name };
    },
    bodyOf: (c) => ({ target: c.name }),
    status: 503,
    check: async (res, c) => {
      expectProblem(res, 503, 'AGENT_UNAVAILABLE');
      const list = await c.client.send({ method: 'GET', url: `${API}/volumes/${c.name}/backups` });
      const [b] = (list.json as BackupList).backups;
      assert.equal(b?.status, 'failed');
      assert.match(b?.error ?? '', /AGENT_UNAVAILABLE/);
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
