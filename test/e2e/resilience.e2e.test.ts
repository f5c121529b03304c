/**
 * Nothing lost when a process dies: kill -9 of berthd or of the agent in the middle of a rollout
 * neither loses the deployment nor runs it twice nor leaves an orphan container; a restart of
 * `berth up` serves the apps again without a deploy; apps keep serving while berthd is down.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Deployment, DeploymentWithEvents } from '@berth/protocol';
import { ensureExampleImages, HELLO_V1 } from '../support/images.js';
import { BerthUnderTest, podman } from './support/berth.js';
import { runLoad } from './support/load.js';

describe('crash safety and restarts', () => {
  let berth: BerthUnderTest;

  before(async () => {
    await ensureExampleImages();
    berth = await BerthUnderTest.create();
    await berth.start();
    assert.equal(
      (await berth.cli(['apps', 'create', 'web', '--image', HELLO_V1, '--replicas', '2'])).code,
      0,
    );
    const d = await berth.cli(['deploy', 'web']);
    assert.equal(d.code, 0, d.stdout + d.stderr);
  });
  after(async () => {
    await berth?.destroy();
  });

  async function waitForStatus(
    id: string,
    statuses: string[],
    timeoutMs = 120_000,
  ): Promise<DeploymentWithEvents> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await berth.cli(['deployments', 'show', id, '--json']);
      if (r.code === 0) {
        const d = JSON.parse(r.stdout) as DeploymentWithEvents;
        if (statuses.includes(d.status)) return d;
      }
      if (Date.now() > deadline) throw new Error(`deployment ${id} never reached ${statuses.join('/')}`);
      await sleep(200);
    }
  }

  /** Waits until the containers are exactly `count` running replicas of release `version`. */
  async function settlesTo(version: number, count: number): Promise<void> {
    let last = '';
    for (let i = 0; i < 150; i++) {
      const cs = await berth.containers();
      last = JSON.stringify(cs);
      if (
        cs.length === count &&
        cs.every((c) => c.state === 'running' && c.name.startsWith(`berth-web-v${version}-`))
      )
        return;
      await sleep(200);
    }
    assert.fail(`containers never settled to ${count} × v${version}: ${last}`);
  }

  /** Starts a slow rollout (each new replica takes ~2 s to listen) and returns it once under way. */
  async function slowRollout(value: string): Promise<Deployment> {
    const d = await berth.json<Deployment>([
      'env',
      'set',
      'web',
      `SLOW_START=2`,
      `MARK=${value}`,
      '--no-wait',
    ]);
    await waitForStatus(d.id, ['rolling_out']);
    // Mid-rollout for sure: a replica of the new release exists and is still starting.
    const newReplica = `berth-web-v${d.releaseVersion}-`;
    for (let i = 0; !(await berth.containers()).some((c) => c.name.startsWith(newReplica)); i++) {
      assert.ok(i < 300, `no replica of v${d.releaseVersion} was started`);
      await sleep(100);
    }
    return d;
  }

  test('kill -9 of berthd mid-rollout: the deployment resumes and finishes once', async () => {
    const before = await berth.json<Deployment[]>(['deployments', 'list', 'web']);
    const d = await slowRollout('a');
    const pid = await berth.pid('berthd');
    process.kill(pid, 'SIGKILL');
    await berth.waitForRestart('berthd', pid);
    const done = await waitForStatus(d.id, ['succeeded', 'failed']);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.events.map((e) => e.message)));
    const after = await berth.json<Deployment[]>(['deployments', 'list', 'web']);
    assert.equal(after.length, before.length + 1, 'one deployment for one change, not two');
    await settlesTo(done.releaseVersion, 2);
    assert.match((await berth.get('web')).body, /hello v1/);
  });

  test('kill -9 of the agent mid-rollout: it picks up where it was, no orphan left', async () => {
    const d = await slowRollout('b');
    const pid = await berth.pid('agent');
    process.kill(pid, 'SIGKILL');
    await berth.waitForRestart('agent', pid);
    const done = await waitForStatus(d.id, ['succeeded', 'failed']);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.events.map((e) => e.message)));
    await settlesTo(done.releaseVersion, 2);
  });

  test('a container with our labels that no desired replica claims is removed', async () => {
    const agentId = await berth.agentId();
    await podman([
      'run',
      '-d',
      '--name',
      `berth-ghost-${agentId}`,
      '--ulimit',
      'nofile=1024:1024',
      '--ulimit',
      'nproc=1024:1024',
      '--label',
      `berth.agent=${agentId}`,
      '--label',
      'berth.app=app_ghostghostghostghost',
      '--label',
      'berth.app.name=ghost',
      '--label',
      'berth.release=rel_ghostghostghostghost',
      '--label',
      'berth.slot=1',
      HELLO_V1,
    ]);
    const version = (await berth.json<{ currentRelease: { version: number } }>(['apps', 'show', 'web']))
      .currentRelease.version;
    await settlesTo(version, 2);
  });

  test('apps keep serving while berthd is down', async () => {
    const pid = await berth.pid('berthd');
    const outage = (async () => {
      process.kill(pid, 'SIGKILL');
      await berth.waitForRestart('berthd', pid);
      // Keep the load on until the agent is linked again: the reconnect must not disturb serving either.
      await berth.waitForAgentsOnline();
    })();
    const load = await runLoad({
      port: berth.httpPort,
      host: 'web.localhost',
      concurrency: 4,
      until: outage,
      minRequests: 300,
      maxMs: 60_000,
      keepAlive: true,
    });
    assert.deepEqual({ non2xx: load.non2xx, errors: load.errors }, { non2xx: 0, errors: 0 });
  });

  test('berth up again on the same data dir serves the apps without a deploy', async () => {
    const deployments = (await berth.json<Deployment[]>(['deployments', 'list', 'web'])).length;
    const containers = (await berth.containers()).map((c) => c.name).sort();
    await berth.stop();
    await berth.start();
    let res = { status: 0, body: '' };
    for (let i = 0; i < 50 && res.status !== 200; i++) {
      res = await berth.get('web').catch(() => ({ status: 0, body: '' }));
      if (res.status !== 200) await sleep(100);
    }
    assert.equal(res.status, 200);
    assert.match(res.body, /hello v1/);
    assert.equal((await berth.json<Deployment[]>(['deployments', 'list', 'web'])).length, deployments);
    assert.deepEqual(
      (await berth.containers()).map((c) => c.name).sort(),
      containers,
      'the same containers, not new ones',
    );
  });
});
