// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '@berth/protocol';
import type { AppRow } from '../types.js';
import {
  appRow,
  deploymentRow,
  newId,
  NOW,
  openTempStore,
  releaseRow,
  type Env,
} from '../test-support/fixtures.js';

/** A deployment's records: the deployment and its events. */

const isCode =
  (code: string) =>
  (err: unknown): err is BerthError =>
    err instanceof BerthError && err.code === code;

describe('DeploymentRepo', () => {
  it('creates, reads, lists newest first with a limit, finds by idempotency key', async () => {
    const env = await openTempStore();
    try {
      const app = appRow(env);
      await env.store.apps.create(app);
      const rel = releaseRow(app.id, 1);
      await env.store.releases.create(rel);
      const deps = [0, 1, 2].map((i) =>
        deploymentRow(app.id, rel.id, { createdAt: NOW + i, idempotencyKey: `k${i}`, requestHash: 'h' }),
      );
      for (const d of deps) await env.store.deployments.create(d);
      assert.deepEqual(await env.store.deployments.get(deps[0]!.id), deps[0]);
      assert.deepEqual(
        (await env.store.deployments.list(app.id, 2)).map((d) => d.id),
        [deps[2]!.id, deps[1]!.id],
      );
      assert.deepEqual(await env.store.deployments.findByIdempotencyKey(app.id, 'k1'), deps[1]);
      assert.equal(await env.store.deployments.findByIdempotencyKey(app.id, 'k9'), null);
      await assert.rejects(
        env.store.deployments.create(deploymentRow(app.id, rel.id, { idempotencyKey: 'k1' })),
        isCode('IDEMPOTENCY_CONFLICT'),
      );
      // Many deployments without a key are fine: the unique index ignores nulls.
      await env.store.deployments.create(deploymentRow(app.id, rel.id));
      await env.store.deployments.create(deploymentRow(app.id, rel.id));
    } finally {
      await env.done();
    }
  });

  it('updates status, error, times, replicas and the previous release; DEPLOYMENT_NOT_FOUND for an unknown id', async () => {
    const env = await openTempStore();
    try {
      const app = appRow(env);
      await env.store.apps.create(app);
      const rel = releaseRow(app.id, 1);
      await env.store.releases.create(rel);
      const dep = deploymentRow(app.id, rel.id);
      await env.store.deployments.create(dep);
      const error = { code: 'DEPLOY_HEALTHCHECK_FAILED', message: 'unhealthy', logs: ['l1', 'l2'] };
      const patch = {
        status: 'failed',
        error,
        startedAt: NOW + 1,
        finishedAt: NOW + 2,
        replicas: 3,
        previousReleaseId: 'rel_previous',
        previousReplicas: 2,
      } as const;
      const updated = await env.store.deployments.update(dep.id, patch);
      assert.deepEqual(updated, { ...dep, ...patch });
      assert.deepEqual(await env.store.deployments.get(dep.id), updated);
      assert.deepEqual(await env.store.deployments.update(dep.id, {}), updated);
      await assert.rejects(
        env.store.deployments.update(newId('dep'), { status: 'failed' }),
        isCode('DEPLOYMENT_NOT_FOUND'),
      );
      await assert.rejects(env.store.deployments.update(newId('dep'), {}), isCode('DEPLOYMENT_NOT_FOUND'));
    } finally {
      await env.done();
    }
  });

  it('finds the newest succeeded deployment of another release', async () => {
    const env = await openTempStore();
    try {
      const app = appRow(env);
      await env.store.apps.create(app);
      const [r1, r2, r3] = [1, 2, 3].map((v) => releaseRow(app.id, v)) as [
        ReturnType<typeof releaseRow>,
        ReturnType<typeof releaseRow>,
        ReturnType<typeof releaseRow>,
      ];
      for (const r of [r1, r2, r3]) await env.store.releases.create(r);
      const d1 = deploymentRow(app.id, r1.id, { status: 'succeeded', createdAt: NOW + 1 });
      const d2 = deploymentRow(app.id, r2.id, { status: 'succeeded', createdAt: NOW + 2 });
      const d3 = deploymentRow(app.id, r3.id, { status: 'failed', createdAt: NOW + 3 });
      for (const d of [d1, d2, d3]) await env.store.deployments.create(d);
      assert.equal((await env.store.deployments.lastSucceededOtherThan(app.id, r3.id))?.id, d2.id);
      assert.equal((await env.store.deployments.lastSucceededOtherThan(app.id, r2.id))?.id, d1.id);
      assert.equal(await env.store.deployments.lastSucceededOtherThan(newId('app'), r2.id), null);
    } finally {
      await env.done();
    }
  });

  it('keeps who asked for a deployment, and null for berthd itself', async () => {
    const env = await openTempStore();
    try {
      const app = appRow(env);
      await env.store.apps.create(app);
      const rel = releaseRow(app.id, 1);
      await env.store.releases.create(rel);
      const asked = deploymentRow(app.id, rel.id, { requestedBy: 'ada@example.com' });
      const own = deploymentRow(app.id, rel.id, { createdAt: NOW + 1 });
      await env.store.deployments.create(asked);
      await env.store.deployments.create(own);
      assert.equal((await env.store.deployments.get(asked.id))?.requestedBy, 'ada@example.com');
      assert.equal((await env.store.deployments.get(own.id))?.requestedBy, null);
      // An update leaves it as it was.
      const done = await env.store.deployments.update(asked.id, { status: 'succeeded' });
      assert.equal(done.requestedBy, 'ada@example.com');
    } finally {
      await env.done();
    }
  });

  it("gives each app's newest deployment with its release version in one call", async () => {
    const env = await openTempStore();
    try {
      const [a, b, none] = ['a', 'b', 'none'].map((name) => appRow(env, { name })) as [
        AppRow,
        AppRow,
        AppRow,
      ];
      for (const app of [a, b, none]) await env.store.apps.create(app);
      const a1 = releaseRow(a.id, 1);
      const a2 = releaseRow(a.id, 2);
      const b1 = releaseRow(b.id, 1);
      for (const r of [a1, a2, b1]) await env.store.releases.create(r);
      const older = deploymentRow(a.id, a2.id, { createdAt: NOW + 1 });
      // The same instant: the larger id is the newer, as `list` orders them.
      const [tieLow, tieHigh] = ['dep_a', 'dep_b'].map((id) =>
        deploymentRow(a.id, a1.id, { id, createdAt: NOW + 5, requestedBy: 'ci' }),
      );
      const onlyB = deploymentRow(b.id, b1.id, { createdAt: NOW });
      for (const d of [older, tieLow!, tieHigh!, onlyB]) await env.store.deployments.create(d);
      const newest = await env.store.deployments.newestOf([a.id, b.id, none.id]);
      // Maps compare by their entries, in any order.
      assert.deepEqual(
        newest,
        new Map([
          [a.id, { deployment: tieHigh, releaseVersion: 1 }],
          [b.id, { deployment: onlyB, releaseVersion: 1 }],
        ]),
      );
      assert.equal((await env.store.deployments.list(a.id, 1))[0]?.id, tieHigh!.id);
      assert.equal((await env.store.deployments.newestOf([])).size, 0);
      assert.deepEqual([...(await env.store.deployments.newestOf([b.id])).keys()], [b.id]);
    } finally {
      await env.done();
    }
  });
});

async function deployment(env: Env, name = 'web'): Promise<string> {
  const app = appRow(env, { name });
  await env.store.apps.create(app);
  const rel = releaseRow(app.id, 1);
  await env.store.releases.create(rel);
  const dep = deploymentRow(app.id, rel.id);
  await env.store.deployments.create(dep);
  return dep.id;
}

describe('EventRepo', () => {
  it('numbers events 1, 2, 3 per deployment and lists them after a seq', async () => {
    const env = await openTempStore();
    try {
      const a = await deployment(env);
      const b = await deployment(env, 'api');
      const first = await env.store.events.append(a, { at: NOW, level: 'info', message: 'one' });
      assert.deepEqual(first, { deploymentId: a, seq: 1, at: NOW, level: 'info', message: 'one' });
      await env.store.events.append(a, { at: NOW + 1, level: 'warn', message: 'two' });
      assert.equal((await env.store.events.append(b, { at: NOW, level: 'info', message: 'b1' })).seq, 1);
      await env.store.events.append(a, { at: NOW + 2, level: 'error', message: 'three' });
      assert.deepEqual(
        (await env.store.events.list(a, 0)).map((e) => [e.seq, e.message]),
        [
          [1, 'one'],
          [2, 'two'],
          [3, 'three'],
        ],
      );
      assert.deepEqual(
        (await env.store.events.list(a, 2)).map((e) => e.seq),
        [3],
      );
    } finally {
      await env.done();
    }
  });

  it('gives concurrent appends from two connections distinct, gapless seqs', async () => {
    const env = await openTempStore();
    try {
      const dep = await deployment(env);
      const other = await env.reopen();
      const all = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          (i % 2 ? env.store : other).events.append(dep, { at: NOW + i, level: 'info', message: `m${i}` }),
        ),
      );
      const seqs = all.map((e) => e.seq).sort((p, q) => p - q);
      assert.deepEqual(
        seqs,
        Array.from({ length: 60 }, (_, i) => i + 1),
      );
      assert.deepEqual(
        (await env.store.events.list(dep, 0)).map((e) => e.seq),
        seqs,
      );
    } finally {
      await env.done();
    }
  });

  it('appends inside a transaction, interleaved with appends outside it', async () => {
    const env = await openTempStore();
    try {
      const dep = await deployment(env);
      const outside = Array.from({ length: 10 }, (_, i) =>
        env.store.events.append(dep, { at: NOW, level: 'info', message: `out${i}` }),
      );
      const inside = env.store.transaction(async (tx) => [
        await tx.events.append(dep, { at: NOW, level: 'info', message: 'in1' }),
        await tx.events.append(dep, { at: NOW, level: 'info', message: 'in2' }),
      ]);
      const [inTx, outTx] = await Promise.all([inside, Promise.all(outside)]);
      assert.equal(inTx[1]!.seq, inTx[0]!.seq + 1, 'a transaction sees its own appends');
      assert.deepEqual(
        [...inTx, ...outTx].map((e) => e.seq).sort((p, q) => p - q),
        Array.from({ length: 12 }, (_, i) => i + 1),
      );
    } finally {
      await env.done();
    }
  });
});

describe('onDeploymentsCommitted', () => {
  it('tells of a deployment created, updated or given an event once the write commits, never for a rollback', async () => {
    const env = await openTempStore();
    try {
      const heard: string[][] = [];
      env.store.onDeploymentsCommitted((ids) => heard.push([...ids]));
      const app = appRow(env);
      await env.store.apps.create(app);
      const rel = releaseRow(app.id, 1);
      await env.store.releases.create(rel);
      const dep = deploymentRow(app.id, rel.id);
      await env.store.deployments.create(dep);
      await env.store.events.append(dep.id, { at: NOW, level: 'info', message: 'alone' });
      assert.deepEqual(heard, [[dep.id], [dep.id]], 'a lone write, as it commits');
      heard.length = 0;
      await env.store.transaction(async (tx) => {
        await tx.events.append(dep.id, { at: NOW, level: 'info', message: 'in a transaction' });
        await tx.deployments.update(dep.id, { status: 'rolling_out' });
        assert.deepEqual(heard, [], 'nothing before the commit');
      });
      assert.deepEqual(heard, [[dep.id]], 'once per commit, each deployment once');
      heard.length = 0;
      await assert.rejects(
        env.store.transaction(async (tx) => {
          await tx.events.append(dep.id, { at: NOW, level: 'info', message: 'rolled back' });
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
