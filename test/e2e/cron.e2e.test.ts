/**
 * Issue 12, one-off runs and cron jobs through the CLI against a real `berth up`: `berth run`
 * streams a command's output and exits with its exit code (124 at its timeout), the container is
 * gone after; a cron job with a seconds schedule runs on time with its exit code and output in
 * its history; `forbid` skips a run while one is still running; berthd down across several fire
 * times runs the job once when it is back, not once per missed time; hostile commands stay argv.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CronJob, CronRun } from '@berth/protocol';
import { ensureExampleImages, HELLO_V1 } from '../support/images.js';
import { BerthUnderTest, podman } from './support/berth.js';

const MARKER = join(tmpdir(), `berth-e2e-cron-pwned-${process.pid}`);

describe('berth run and berth cron', () => {
  let berth: BerthUnderTest;

  before(async () => {
    await ensureExampleImages();
    berth = await BerthUnderTest.create();
    await berth.start();
    assert.equal((await berth.cli(['apps', 'create', 'web', '--image', HELLO_V1])).code, 0);
    const deployed = await berth.cli(['deploy', 'web']);
    assert.equal(deployed.code, 0, deployed.stdout + deployed.stderr);
  });
  after(async () => {
    await berth?.destroy();
    assert.equal(existsSync(MARKER), false, 'a hostile command ran a shell on the host');
  });

  const runs = async (name: string): Promise<CronRun[]> =>
    (await berth.json<{ runs: CronRun[] }>(['cron', 'runs', 'web', name])).runs;

  /** Waits until `ok` holds for the job's runs (newest first); returns them. */
  async function runsUntil(name: string, ok: (r: CronRun[]) => boolean, what: string): Promise<CronRun[]> {
    let last: CronRun[] = [];
    for (let i = 0; i < 100; i++) {
      last = await runs(name);
      if (ok(last)) return last;
      await sleep(200);
    }
    throw new Error(`${what}: ${JSON.stringify(last, null, 1)}`);
  }

  /** This berth's one-off containers (another test run's may share the engine). */
  const oneOffContainers = async (): Promise<string[]> =>
    (
      await podman([
        ...['ps', '-a', '--format', '{{.Names}}', '--filter', 'label=berth.run'],
        ...['--filter', `label=berth.run.agent=${await berth.agentId()}`],
      ])
    ).stdout
      .split('\n')
      .filter((n) => n.startsWith('berth-run-web-'));

  test('berth run streams the output and exits with the command’s exit code; nothing is left', async () => {
    const r = await berth.cli(['run', 'web', '--', 'sh', '-c', 'echo hi; echo oops >&2; exit 3']);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.equal(r.stdout, 'hi\n');
    assert.match(r.stderr, /oops/);
    assert.deepEqual(await oneOffContainers(), []);

    // Lines arrive as they are written, not when the command ends.
    const live = berth.cliStream(['run', 'web', '--', 'sh', '-c', 'echo first; sleep 3; echo second']);
    let firstAt = 0;
    const ended = live.done.then((d) => ({ ...d, at: Date.now() }));
    for (let i = 0; i < 600 && !firstAt; i++) {
      if (live.stdout().includes('first')) firstAt = Date.now();
      else await sleep(25);
    }
    const done = await ended;
    assert.equal(done.code, 0, done.stderr);
    assert.equal(done.stdout, 'first\nsecond\n');
    assert.ok(firstAt > 0 && done.at - firstAt >= 2000, `first line ${done.at - firstAt} ms before the end`);
  });

  test('berth run is killed at its timeout (exit 124) and its container removed', async () => {
    const started = Date.now();
    const r = await berth.cli(['run', 'web', '--timeout', '1s', '--', 'sleep', '60']);
    assert.equal(r.code, 124, r.stdout + r.stderr);
    assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
    assert.deepEqual(await oneOffContainers(), []);
  });

  test('hostile commands are argv: no shell of Berth’s reads them', async () => {
    const literal = await berth.cli(['run', 'web', '--', 'echo', `x; touch ${MARKER}`, `$(touch ${MARKER})`]);
    assert.equal(literal.code, 0, literal.stderr);
    assert.equal(literal.stdout, `x; touch ${MARKER} $(touch ${MARKER})\n`);
    // A whole string as the program: there is no program by that name, so nothing runs at all.
    const whole = await berth.cli(['run', 'web', '--', `x; touch ${MARKER}`]);
    assert.notEqual(whole.code, 0);
    assert.equal(existsSync(MARKER), false);
    const job = await berth.cli([
      ...['cron', 'add', 'web', 'hostile', '--schedule', '* * * * * *', '--'],
      ...['echo', `$(touch ${MARKER}); touch ${MARKER}`],
    ]);
    assert.equal(job.code, 0, job.stderr);
    const [ran] = await runsUntil('hostile', (r) => r.some((x) => x.status === 'succeeded'), 'hostile ran');
    assert.ok(ran);
    const done = (await runs('hostile')).find((x) => x.status === 'succeeded');
    assert.deepEqual(done?.logTail, [`$(touch ${MARKER}); touch ${MARKER}`]);
    assert.equal((await berth.cli(['cron', 'remove', 'web', 'hostile'])).code, 0);
    assert.equal(existsSync(MARKER), false);
  });

  test('a job with a seconds schedule runs on time; its history has exit code, duration and output', async () => {
    // --json before the `--`: after it, it would be part of the command.
    const out = await berth.cli([
      ...['cron', 'add', 'web', 'tick', '--json', '--schedule', '*/2 * * * * *', '--'],
      ...['sh', '-c', 'echo tick; exit 7'],
    ]);
    assert.equal(out.code, 0, out.stderr);
    const added = JSON.parse(out.stdout) as CronJob;
    assert.equal(added.concurrency, 'forbid');
    assert.equal(added.schedule, '*/2 * * * * *');
    const list = await berth.json<{ jobs: CronJob[] }>(['cron', 'list', 'web']);
    assert.deepEqual(
      list.jobs.map((j) => [j.name, j.command]),
      [['tick', ['sh', '-c', 'echo tick; exit 7']]],
    );
    const done = await runsUntil(
      'tick',
      (r) => r.filter((x) => x.status === 'failed').length >= 2,
      'two runs of tick',
    );
    for (const r of done.filter((x) => x.status === 'failed')) {
      assert.equal(r.exitCode, 7);
      assert.deepEqual(r.logTail, ['tick']);
      assert.ok(r.durationMs !== null && r.durationMs >= 0);
      const scheduled = Date.parse(r.scheduledAt);
      assert.equal(scheduled % 2000, 0, 'an even second');
      const late = Date.parse(r.startedAt ?? '') - scheduled;
      assert.ok(late >= 0 && late < 1500, `started ${late} ms after its time`);
    }
    const table = await berth.cli(['cron', 'runs', 'web', 'tick']);
    assert.match(table.stdout, /failed\s+7\s+/);
  });

  test('berthd down across several fire times runs the job once when it is back', async () => {
    const [before] = await runs('tick');
    await berth.stop();
    const stoppedAt = Date.now();
    await sleep(7_000);
    await berth.start();
    await berth.waitForAgentsOnline();
    const after = await runsUntil(
      'tick',
      (r) => r.some((x) => x.missed > 0 && x.status !== 'running'),
      'the catch-up run',
    );
    const caughtUp = after.filter((x) => x.missed > 0);
    assert.equal(caughtUp.length, 1, JSON.stringify(caughtUp));
    const [catchUp] = caughtUp;
    assert.ok(catchUp && catchUp.missed >= 3, `missed ${catchUp?.missed}`);
    assert.equal(catchUp.status, 'failed', catchUp.note ?? '');
    assert.equal(catchUp.exitCode, 7);
    // No run for the fire times in between: one run stands for all of them.
    const between = after.filter(
      (x) =>
        Date.parse(x.scheduledAt) > stoppedAt && Date.parse(x.scheduledAt) < Date.parse(catchUp.scheduledAt),
    );
    assert.deepEqual(between, []);
    assert.ok(before && Date.parse(before.scheduledAt) < stoppedAt);
    assert.equal((await berth.cli(['cron', 'remove', 'web', 'tick'])).code, 0);
  });

  test('forbid skips a run while the last one still runs', async () => {
    const added = await berth.cli([
      ...['cron', 'add', 'web', 'slow', '--schedule', '* * * * * *', '--concurrency', 'forbid', '--'],
      ...['sleep', '2.5'],
    ]);
    assert.equal(added.code, 0, added.stderr);
    const seen = await runsUntil(
      'slow',
      (r) => r.filter((x) => x.status === 'skipped').length >= 2 && r.some((x) => x.status === 'succeeded'),
      'runs of slow, some skipped',
    );
    assert.equal((await berth.cli(['cron', 'remove', 'web', 'slow'])).code, 0);
    for (const s of seen.filter((x) => x.status === 'skipped')) {
      assert.match(s.note ?? '', /skipped: 1 earlier run still running \(concurrency policy forbid\)/);
      assert.equal(s.startedAt, null);
    }
    // Never two at once: each started run began after the one before it ended.
    const started = seen.filter((x) => x.startedAt !== null).reverse();
    for (let i = 1; i < started.length; i++) {
      const prev = started[i - 1];
      const cur = started[i];
      if (prev?.finishedAt && cur?.startedAt)
        assert.ok(Date.parse(cur.startedAt) >= Date.parse(prev.finishedAt), JSON.stringify([prev, cur]));
    }
    assert.equal((await berth.json<{ jobs: CronJob[] }>(['cron', 'list', 'web'])).jobs.length, 0);
  });
});
