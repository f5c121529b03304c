// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BackupScheduleView } from '@berth/protocol';
import type { BackupRow, BackupScheduleRow } from '@berth/store';
import { s3TargetVia } from '../http/test-support/backups.js';
import { createTestClock, startTestApi, type TestApi } from '../http/test-support/api.js';
import { API, createClient, type Client } from '../http/test-support/http.js';
import { joinedServerVia } from '../http/test-support/servers.js';
import { createId } from '../ids.js';
import { BackupScheduler } from './scheduler.js';

/**
 * The backup scheduler on a real store (schedules set through the real API) with a test clock:
 * on time, ONE run after downtime (also across a restart of the scheduler), no second backup of a
 * source while one runs, and a schedule whose source is gone removed. What it queues is recorded
 * here: the queued job itself (agent, target, verification) runs in test/e2e/backups.e2e.test.ts.
 */

// A whole minute: every fire time of `*/2 * * * * *` is T0 + k × 2 s.
const T0 = Math.ceil(Date.now() / 60_000) * 60_000;
const clock = createTestClock(T0);
const at = (ms: number): void => clock.advance(T0 + ms - clock.now());
let api: TestApi;
let client: Client;

before(async () => {
  api = await startTestApi({ clock: clock.now, inMemory: true });
  client = createClient(api);
  await joinedServerVia(client, 'srv');
  for (const name of ['data', 'other', 'third']) {
    const res = await client.send({ method: 'POST', url: `${API}/volumes`, body: { name, server: 'srv' } });
    assert.equal(res.status, 201, res.text);
  }
  await s3TargetVia(client, 'offsite', 'default');
});
after(async () => api?.close());

async function schedule(source: string, cron: string): Promise<BackupScheduleView> {
  const res = await client.send({
    method: 'PUT',
    url: `${API}/backup-schedules`,
    body: { source, target: 'offsite', cron, keep: 2 },
  });
  assert.equal(res.status, 200, res.text);
  return res.json as BackupScheduleView;
}

/** Records what it is asked to queue; `running` makes each a running backup row, as the service does. */
function recorder(opts: { running?: boolean; gone?: boolean } = {}) {
  const queued: { schedule: string; at: number }[] = [];
  const enqueue = async (s: BackupScheduleRow): Promise<BackupRow | null> => {
    if (opts.gone) return null;
    queued.push({ schedule: s.id, at: clock.now() });
    const row: BackupRow = {
      ...{ id: createId('bak'), teamId: s.teamId, sourceKind: s.sourceKind },
      ...{
        sourceId: s.sourceId,
        sourceName: s.sourceName,
        targetId: s.targetId,
        objectKey: 'volumes/x/y.berth',
      },
      ...{ bytes: null, sha256: null, wrappedKey: null, recipientKeyId: null, tree: null },
      ...{ status: opts.running ? 'running' : 'verified', verifyOutput: null, error: null },
      ...{ startedAt: clock.now(), finishedAt: null },
    };
    await api.store.backups.create(row);
    return row;
  };
  return { queued, enqueue };
}

const schedulerWith = (enqueue: (s: BackupScheduleRow) => Promise<BackupRow | null>): BackupScheduler =>
  new BackupScheduler({
    store: api.store,
    clock: clock.now,
    enqueue,
    log: { error: () => undefined, warn: () => undefined },
  });

test('on time, then one backup for all the fire times missed while down, also after a restart', async () => {
  at(0);
  const s = await schedule('data', '*/2 * * * * *');
  assert.equal(s.nextRunAt, new Date(T0 + 2000).toISOString());
  const r = recorder();
  const scheduler = schedulerWith(r.enqueue);
  await scheduler.passNow();
  at(1_000);
  await scheduler.passNow();
  assert.equal(r.queued.length, 0, 'nothing before its first fire time');
  at(2_000);
  await scheduler.passNow();
  await scheduler.passNow();
  assert.deepEqual(r.queued, [{ schedule: s.id, at: T0 + 2_000 }], 'once per fire time');

  // Down from 2 s to 61 s: 29 fire times passed; one backup, for the latest (60 s).
  at(61_000);
  await scheduler.passNow();
  await scheduler.passNow();
  assert.equal(r.queued.length, 2);
  const [row] = await api.store.backupSchedules.list(null);
  assert.equal(row?.lastRunAt, T0 + 60_000);
  await scheduler.stop();

  // A new berthd at the same time: the fire time acted on is in the store, nothing again.
  const again = schedulerWith(r.enqueue);
  again.start();
  await again.passNow();
  assert.equal(r.queued.length, 2);
  await again.stop();
});

test('a backup of the source still running: the fire time is recorded and skipped, not doubled', async () => {
  at(100_000);
  const s = await schedule('other', '*/2 * * * * *');
  const r = recorder({ running: true });
  const scheduler = schedulerWith(r.enqueue);
  at(102_000);
  await scheduler.passNow();
  at(104_000);
  await scheduler.passNow();
  assert.equal(r.queued.filter((q) => q.schedule === s.id).length, 1, 'one backup in flight at a time');
  const row = (await api.store.backupSchedules.list(null)).find((x) => x.id === s.id);
  assert.equal(row?.lastRunAt, T0 + 104_000, 'the skipped fire time is acted on, not left due');
  await scheduler.stop();
});

test('setting a schedule again replaces it and counts fire times from then; a gone source removes it', async () => {
  at(200_000);
  const first = await schedule('third', '0 3 * * *');
  const replaced = await schedule('third', '*/2 * * * * *');
  assert.equal(replaced.id, first.id);
  assert.equal(replaced.replaced, true);
  assert.equal(replaced.lastRunAt, null);
  const scheduler = schedulerWith(recorder({ gone: true }).enqueue);
  at(202_000);
  await scheduler.passNow();
  const left = (await api.store.backupSchedules.list(null)).map((x) => x.sourceName);
  assert.ok(!left.includes('third'), left.join(' '));
  await scheduler.stop();
});
