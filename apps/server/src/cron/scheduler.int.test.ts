import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AgentRunResult } from '@berth/protocol';
import type { AppRow, CronJobRow } from '@berth/store';
import { createTestClock, startTestApi, type TestApi } from '../http/test-support/api.js';
import { createApp } from '../http/test-support/fixtures.js';
import { createClient } from '../http/test-support/http.js';
import { createId } from '../ids.js';
import type { OneOffRequest } from '../agents/one-off-runs.js';
import { CronScheduler } from './scheduler.js';

/**
 * The scheduler on a real store with a test clock: on time, one catch-up run after downtime
 * (also across a restart of the scheduler), forbid and replace. The one-off runs themselves are
 * a function here (they need an agent and an engine: test/e2e/cron.e2e.test.ts runs them for real).
 */

// A whole minute: every fire time of `*/10 * * * * *` is T0 + k × 10 s.
const T0 = Math.ceil(Date.now() / 60_000) * 60_000;
const clock = createTestClock(T0);
let api: TestApi;
let app: AppRow;

before(async () => {
  api = await startTestApi({ clock: clock.now, inMemory: true });
  await createApp(createClient(api), 'web');
  const row = await api.store.apps.getByName('web');
  assert.ok(row);
  app = row;
});
after(async () => api?.close());

/** A one-off run that ends when the test says (or is killed through its signal). */
class FakeRuns {
  readonly started: OneOffRequest[] = [];
  private readonly ends: ((r: AgentRunResult | null) => void)[] = [];
  constructor(
    private readonly hold: boolean,
    private readonly exitCode = 0,
  ) {}
  run = (
    _app: AppRow,
    request: OneOffRequest,
    _onStarted: unknown,
    onLines: (lines: { at: string; replica: string; stream: 'stdout'; line: string }[]) => void,
    signal: AbortSignal,
  ): Promise<AgentRunResult | null> => {
    this.started.push(request);
    onLines([{ at: new Date(clock.now()).toISOString(), replica: 'x', stream: 'stdout', line: 'hello' }]);
    if (!this.hold) return Promise.resolve({ exitCode: this.exitCode, timedOut: false });
    return new Promise((resolve) => {
      this.ends.push(resolve);
      signal.addEventListener('abort', () => resolve(null), { once: true });
    });
  };
  endAll(): void {
    for (const end of this.ends.splice(0)) end({ exitCode: 0, timedOut: false });
  }
}

const schedulerWith = (runs: FakeRuns): CronScheduler =>
  new CronScheduler({
    store: api.store,
    clock: clock.now,
    newRunId: () => createId('run'),
    runOneOff: runs.run,
    log: { error: () => undefined, warn: () => undefined },
  });

async function job(name: string, concurrency: CronJobRow['concurrency']): Promise<CronJobRow> {
  const row: CronJobRow = {
    id: createId('crj'),
    teamId: app.teamId,
    appId: app.id,
    name,
    schedule: '*/10 * * * * *',
    command: ['echo', 'hello'],
    timeoutSeconds: 60,
    concurrency,
    createdAt: clock.now(),
    lastRunAt: null,
  };
  await api.store.cron.create(row);
  return row;
}

const at = (ms: number): void => clock.advance(T0 + ms - clock.now());

test('on time, then one run for all the fire times missed while down, also after a restart', async () => {
  at(0);
  const j = await job('tick', 'forbid');
  const runs = new FakeRuns(false);
  const cron = schedulerWith(runs);
  await cron.passNow();
  at(5_000);
  await cron.passNow();
  assert.equal(runs.started.length, 0, 'nothing before its first fire time');
  at(10_000);
  await cron.passNow();
  await cron.settled();
  const [first] = await api.store.cron.runs(j.id, 10);
  assert.deepEqual(
    [first?.scheduledAt, first?.status, first?.exitCode, first?.missed, first?.logTail],
    [T0 + 10_000, 'succeeded', 0, 0, ['hello']],
  );

  // Down from 10 s to 75 s: fire times 20 … 70 passed; one run, for 70 s.
  at(75_000);
  await cron.passNow();
  await cron.passNow();
  await cron.settled();
  const history = await api.store.cron.runs(j.id, 10);
  assert.equal(history.length, 2);
  assert.deepEqual([history[0]?.scheduledAt, history[0]?.missed], [T0 + 70_000, 5]);
  await cron.stop();

  // A new berthd at the same time: the fire time acted on is in the store, nothing runs again.
  const again = schedulerWith(runs);
  await again.start();
  await again.passNow();
  await again.settled();
  assert.equal((await api.store.cron.runs(j.id, 10)).length, 2);
  assert.equal(runs.started.length, 2);
  await again.stop();
  await api.store.cron.delete(j.id);
});

test('forbid skips a run while one runs; replace stops it and starts the new one', async () => {
  at(100_000);
  const forbid = await job('forbid', 'forbid');
  const replace = await job('replace', 'replace');
  const runs = new FakeRuns(true);
  const cron = schedulerWith(runs);
  at(110_000);
  await cron.passNow();
  // Each run reads its app before it starts: wait for both to be under way.
  for (let i = 0; i < 200 && runs.started.length < 2; i++) await sleep(10);
  assert.equal(runs.started.length, 2);
  at(120_000);
  await cron.passNow();
  const f = await api.store.cron.runs(forbid.id, 10);
  assert.deepEqual(
    f.map((r) => [r.scheduledAt - T0, r.status, r.note]),
    [
      [120_000, 'skipped', 'skipped: 1 earlier run still running (concurrency policy forbid)'],
      [110_000, 'running', null],
    ],
  );
  runs.endAll();
  await cron.settled();
  const r = await api.store.cron.runs(replace.id, 10);
  assert.deepEqual(
    r.map((x) => [x.scheduledAt - T0, x.status]),
    [
      [120_000, 'succeeded'],
      [110_000, 'replaced'],
    ],
  );
  assert.match(r[0]?.note ?? '', /replaced 1 earlier run still running/);
  assert.equal((await api.store.cron.runs(forbid.id, 10))[1]?.status, 'succeeded');
  await cron.stop();
});

test('a run that fails is an audited failure (what notification webhooks receive)', async () => {
  at(200_000);
  const j = await job('broken', 'forbid');
  const before = (await api.store.audit.last())?.seq ?? 0;
  const cron = schedulerWith(new FakeRuns(false, 3));
  await cron.passNow();
  at(210_000);
  await cron.passNow();
  await cron.settled();
  await cron.stop();
  const [run] = await api.store.cron.runs(j.id, 1);
  assert.deepEqual([run?.status, run?.exitCode], ['failed', 3]);
  const rows = await api.store.audit.list({ afterSeq: before, limit: 10 });
  // The earlier test's jobs are still there (and fail now too): this job's rows only.
  const failed = rows.filter((r) => r.action === 'cron.run_failed' && r.detail.job === 'broken');
  assert.equal(failed.length, 1, JSON.stringify(failed.map((r) => r.detail)));
  assert.deepEqual(
    [failed[0]?.teamId, failed[0]?.outcome, failed[0]?.detail],
    [app.teamId, 'failed', { job: 'broken', run: run?.id, status: 'failed', exitCode: 3, note: '' }],
  );
  await api.store.cron.delete(j.id);
});
