import assert from 'node:assert/strict';
import type { CronJob, CronJobList, CronRunList } from '@berth/protocol';
import { API, expectProblem } from './http.js';
import { live, named, type Ctx, type RouteCase } from './route-cases.js';

/** Cases for one-off runs and cron jobs: see route-cases.ts. No agent runs here. */

async function withJob(c: Ctx): Promise<Record<string, string>> {
  const params = await named(c);
  const res = await c.client.send({
    method: 'POST',
    url: `${API}/apps/${c.name}/cron`,
    body: { name: 'nightly', schedule: '30 2 * * *', command: ['echo', 'hi'] },
  });
  assert.equal(res.status, 201, res.text);
  return { ...params, name: 'nightly' };
}

export const CRON_CASES: Record<string, RouteCase> = {
  // A deployed app, but no agent to run it on: refused before anything streams.
  runApp: {
    arrange: (c) => live(c),
    body: { cmd: ['echo', 'hi'] },
    status: 503,
    check: (res) => void expectProblem(res, 503, 'AGENT_UNAVAILABLE'),
  },
  listCronJobs: {
    arrange: withJob,
    status: 200,
    check: (res) => {
      const [job] = (res.json as CronJobList).jobs;
      assert.deepEqual(
        [job?.name, job?.schedule, job?.command, job?.concurrency],
        ['nightly', '30 2 * * *', ['echo', 'hi'], 'forbid'],
      );
      assert.match(job?.nextRunAt ?? '', /T02:30:00\.000Z$/);
    },
  },
  createCronJob: {
    arrange: named,
    body: {
      name: 'tick',
      schedule: '*/10 * * * * *',
      command: ['sh', '-c', 'echo $(id)'],
      timeoutSeconds: 30,
      concurrency: 'replace',
    },
    status: 201,
    check: (res) => {
      const job = res.json as CronJob;
      assert.deepEqual([job.name, job.timeoutSeconds, job.concurrency], ['tick', 30, 'replace']);
      assert.deepEqual(job.command, ['sh', '-c', 'echo $(id)']);
    },
  },
  deleteCronJob: {
    arrange: withJob,
    status: 204,
    check: async (res, c) => {
      const list = await c.client.send({ method: 'GET', url: `${API}/apps/${c.name}/cron` });
      assert.deepEqual((list.json as CronJobList).jobs, []);
    },
  },
  listCronRuns: {
    arrange: withJob,
    status: 200,
    check: (res) => assert.deepEqual((res.json as CronRunList).runs, []),
  },
};
