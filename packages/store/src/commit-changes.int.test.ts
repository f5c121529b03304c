// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appRow, deploymentRow, NOW, openTempStore, releaseRow } from './test-support/fixtures.js';
import { auditEntry } from './test-support/trust.js';
import type { BuildRow } from './types-builds.js';
import type { CommittedChanges } from './types.js';

/** What berthd's event bus hears of: each commit's writes by id, once they have landed. */

type Heard = Record<string, unknown[]>;

/** A commit's changes as plain arrays, leaving out the empty kinds. */
function plain(c: CommittedChanges): Heard {
  const all: Heard = {
    apps: [...c.apps],
    deletedApps: [...c.deletedApps],
    deployments: [...c.deployments],
    builds: [...c.builds],
    buildLogs: [...c.buildLogs],
    auditTeams: [...c.auditTeams],
  };
  return Object.fromEntries(Object.entries(all).filter(([, v]) => v.length > 0));
}

const build = (appId: string): Omit<BuildRow, 'number'> => ({
  id: 'bld_aaaaaaaaaaaaaaaaaaaa',
  appId,
  status: 'queued',
  trigger: 'deploy',
  source: {
    type: 'git',
    url: 'https://git.example.com/a.git',
    ref: { kind: 'branch', name: 'main' },
    commit: null,
  },
  commit: null,
  subject: null,
  builder: null,
  plan: null,
  image: null,
  imageId: null,
  error: null,
  deploymentId: null,
  cancelRequestedAt: null,
  createdAt: NOW,
  startedAt: null,
  finishedAt: null,
});

describe('onCommitted', () => {
  it('tells of each lone write as it commits: apps and what hangs on them, deployments, builds, audit rows', async () => {
    const env = await openTempStore();
    try {
      const heard: Heard[] = [];
      env.store.onCommitted((c) => heard.push(plain(c)));
      const app = appRow(env);
      await env.store.apps.create(app);
      await env.store.apps.update(app.id, { replicas: 2 }, NOW);
      const rel = releaseRow(app.id, 1);
      await env.store.releases.create(rel);
      await env.store.secrets.put({
        ...{ appId: app.id, key: 'TOKEN', value: 'sealed', keyId: 'k1', filePath: null },
        ...{ createdAt: NOW, updatedAt: NOW },
      });
      assert.equal(await env.store.secrets.delete(app.id, 'NOT_THERE'), false);
      const dep = deploymentRow(app.id, rel.id);
      await env.store.deployments.create(dep);
      await env.store.builds.create(build(app.id));
      await env.store.builds.appendLogs('bld_aaaaaaaaaaaaaaaaaaaa', [{ at: NOW, line: 'step 1' }]);
      await env.store.audit.append(auditEntry({ teamId: env.teamId }));
      assert.deepEqual(heard, [
        { apps: [app.id] },
        { apps: [app.id] },
        { apps: [app.id] },
        { apps: [app.id] },
        { deployments: [dep.id] },
        { builds: ['bld_aaaaaaaaaaaaaaaaaaaa'] },
        { buildLogs: ['bld_aaaaaaaaaaaaaaaaaaaa'] },
        { auditTeams: [env.teamId] },
      ]);
      heard.length = 0;
      await env.store.apps.delete(app.id);
      assert.deepEqual(heard, [{ deletedApps: [[app.id, { teamId: env.teamId, name: app.name }]] }]);
    } finally {
      await env.done();
    }
  });

  it('tells of a transaction once, after it commits, and never of one rolled back', async () => {
    const env = await openTempStore();
    try {
      const app = appRow(env);
      await env.store.apps.create(app);
      const rel = releaseRow(app.id, 1);
      await env.store.releases.create(rel);
      const heard: Heard[] = [];
      env.store.onCommitted((c) => heard.push(plain(c)));
      const dep = deploymentRow(app.id, rel.id);
      await env.store.transaction(async (tx) => {
        await tx.deployments.create(dep);
        await tx.events.append(dep.id, { at: NOW, level: 'info', message: 'queued' });
        await tx.apps.update(app.id, { currentDeploymentId: dep.id }, NOW);
        await tx.audit.append(auditEntry({ teamId: env.teamId }));
        await tx.audit.append(auditEntry());
        assert.deepEqual(heard, [], 'nothing before the commit');
      });
      assert.deepEqual(heard, [{ apps: [app.id], deployments: [dep.id], auditTeams: [env.teamId, null] }]);
      heard.length = 0;
      await assert.rejects(
        env.store.transaction(async (tx) => {
          await tx.apps.update(app.id, { replicas: 3 }, NOW);
          throw new Error('no');
        }),
        /no/,
      );
      assert.deepEqual(heard, [], 'a rolled-back write is never told');
    } finally {
      await env.done();
    }
  });
});
