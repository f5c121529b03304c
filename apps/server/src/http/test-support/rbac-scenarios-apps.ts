import assert from 'node:assert/strict';
import { createApp, UNKNOWN_DEPLOYMENT } from './fixtures.js';
import { teamBody } from './rbac-calls.js';
import type { Call, Scenario } from './rbac-scenarios.js';

/** The RBAC matrix's calls on apps, their deployments, env, secrets and logs (see rbac-scenarios.ts). */

const appCall = (extra: Omit<Call, 'params'> = {}): Scenario => ({
  own: (w) => ({ params: { app: w.appA.name }, ...extra }),
  other: (w) => ({
    call: { params: { app: w.appB.name }, ...extra },
    ghost: { params: { app: 'ghost-app' }, ...extra },
    swap: [w.appB.name, 'ghost-app'],
  }),
});
const deploymentCall = (query?: string): Scenario => ({
  own: (w) => ({ params: { id: w.appA.deployments[1] ?? '' }, ...(query && { query }) }),
  other: (w) => {
    const id = w.appB.deployments[1] ?? '';
    return {
      call: { params: { id }, ...(query && { query }) },
      ghost: { params: { id: UNKNOWN_DEPLOYMENT }, ...(query && { query }) },
      swap: [id, UNKNOWN_DEPLOYMENT],
    };
  },
});

export const APP_SCENARIOS: Record<string, Scenario> = {
  listApps: {
    own: () => ({}),
    other: 'same',
    check: (res, w) =>
      assert.deepEqual(
        (res.json as { apps: { name: string }[] }).apps.map((a) => a.name).filter((n) => n === w.appA.name),
        [w.appA.name],
      ),
  },
  createApp: teamBody((n) => ({ name: `new-${n}`, image: 'nginx:1.27' })),
  getApp: appCall(),
  updateApp: appCall({ body: { port: 8081 } }),
  deleteApp: {
    ...appCall(),
    own: async (w, { n }) => ({ params: { app: (await createApp(w.client, `del-${n}`)).name } }),
    otherFresh: async (w, { n }) => ({
      params: { app: (await createApp(w.client, `del-${n}`, { team: w.teamB.name }, w.bOwner.token)).name },
    }),
  },
  listDeployments: appCall(),
  deployApp: appCall({ body: {} }),
  rollbackApp: appCall({ body: {} }),
  restartApp: appCall({ body: {} }),
  execApp: appCall({ query: 'cmd=hostname' }),
  getDeployment: deploymentCall(),
  streamDeploymentEvents: deploymentCall('follow=false'),
  getEnv: appCall(),
  patchEnv: appCall({ body: { set: { A_ENV: 'changed' } } }),
  scaleApp: appCall({ body: { replicas: 2 } }),
  listReleases: appCall(),
  streamLogs: appCall({ query: 'tail=1' }),
  listSecrets: appCall(),
  patchSecrets: appCall({ body: { set: { ROLE_SECRET: 'role-secret-value' } } }),
};
