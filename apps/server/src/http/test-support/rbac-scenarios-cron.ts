import assert from 'node:assert/strict';
import { API } from './http.js';
import type { Call, Scenario } from './rbac-scenarios.js';
import type { World } from './rbac-world.js';

/** The RBAC matrix's calls on one-off runs and cron jobs (see rbac-scenarios.ts). */

const JOB = 'nightly';
const jobBody = (name: string): Record<string, unknown> => ({
  name,
  schedule: '30 2 * * *',
  command: ['echo', 'hi'],
});

async function jobVia(w: World, app: string, name: string): Promise<void> {
  const res = await w.client.send({
    method: 'POST',
    url: `${API}/apps/${app}/cron`,
    body: jobBody(name),
    token: w.root.token,
  });
  assert.equal(res.status, 201, res.text);
}

/** The job every cell reads, in A's app and B's: made once per world. */
const made = new WeakMap<World, Promise<void>>();
const ensureJobs = (w: World): Promise<void> => {
  let done = made.get(w);
  if (!done) {
    done = Promise.all([jobVia(w, w.appA.name, JOB), jobVia(w, w.appB.name, JOB)]).then(() => undefined);
    made.set(w, done);
  }
  return done;
};

const appCall = (extra: Omit<Call, 'params'> = {}): Scenario => ({
  own: (w) => ({ params: { app: w.appA.name }, ...extra }),
  other: (w) => ({
    call: { params: { app: w.appB.name }, ...extra },
    ghost: { params: { app: 'ghost-app' }, ...extra },
    swap: [w.appB.name, 'ghost-app'],
  }),
});

const jobCall = (fresh: boolean): Scenario => ({
  own: async (w, { n }) => {
    await ensureJobs(w);
    if (!fresh) return { params: { app: w.appA.name, name: JOB } };
    await jobVia(w, w.appA.name, `job-${n}`);
    return { params: { app: w.appA.name, name: `job-${n}` } };
  },
  other: (w) => ({
    call: { params: { app: w.appB.name, name: JOB } },
    ghost: { params: { app: 'ghost-app', name: JOB } },
    swap: [w.appB.name, 'ghost-app'],
  }),
  ...(fresh && {
    otherFresh: async (w: World, { n }: { n: number }) => {
      await ensureJobs(w);
      await jobVia(w, w.appB.name, `job-${n}`);
      return { params: { app: w.appB.name, name: `job-${n}` } };
    },
  }),
});

export const CRON_SCENARIOS: Record<string, Scenario> = {
  runApp: appCall({ body: { cmd: ['echo', 'hi'] } }),
  listCronJobs: {
    ...appCall(),
    own: async (w) => {
      await ensureJobs(w);
      return { params: { app: w.appA.name } };
    },
  },
  createCronJob: {
    ...appCall({ body: jobBody('new-job') }),
    own: (w, { n }) => ({ params: { app: w.appA.name }, body: jobBody(`new-${n}`) }),
    otherFresh: (w, { n }) => ({ params: { app: w.appB.name }, body: jobBody(`new-${n}`) }),
  },
  deleteCronJob: jobCall(true),
  listCronRuns: jobCall(false),
};
