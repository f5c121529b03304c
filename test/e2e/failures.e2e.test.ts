/**
 * Releases that can never serve — a crashing container, a health check that never passes, an
 * image that does not exist — fail their deployment with the reason (and the container's last
 * log lines), exit 2, leave nothing behind, and the previous release keeps serving throughout.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { App, Deployment } from '@berth/protocol';
import { ensureExampleImages, HELLO_V1 } from '../support/images.js';
import { BerthUnderTest } from './support/berth.js';
import { runLoad } from './support/load.js';

describe('a failing release leaves the old one serving', () => {
  let berth: BerthUnderTest;

  before(async () => {
    await ensureExampleImages();
    berth = await BerthUnderTest.create();
    await berth.start();
    const c = await berth.cli([
      'apps',
      'create',
      'web',
      '--image',
      HELLO_V1,
      '--replicas',
      '2',
      '--health-timeout',
      '4s',
    ]);
    assert.equal(c.code, 0, c.stderr);
    const d = await berth.cli(['deploy', 'web']);
    assert.equal(d.code, 0, d.stdout + d.stderr);
  });
  after(async () => {
    await berth?.destroy();
  });

  /** Runs a failing change under load and checks the old release served every request. */
  async function failUnderLoad(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const change = berth.cli(args);
    const load = await runLoad({
      port: berth.httpPort,
      host: 'web.localhost',
      concurrency: 4,
      until: change,
      minRequests: 200,
      maxMs: 60_000,
      keepAlive: true,
    });
    assert.deepEqual(
      { non2xx: load.non2xx, errors: load.errors },
      { non2xx: 0, errors: 0 },
      JSON.stringify(load),
    );
    assert.deepEqual(Object.keys(load.bodies), ['hello v1'], 'only the old release answered');
    return change;
  }

  /** Waits until exactly the wanted replicas remain (the failed ones are removed). */
  async function settledContainers(): Promise<string[]> {
    let names: string[] = [];
    for (let i = 0; i < 100; i++) {
      const cs = await berth.containers();
      names = cs.map((c) => `${c.name}:${c.state}`).sort();
      if (cs.length === 2 && cs.every((c) => c.state === 'running')) return names;
      await sleep(200);
    }
    return names;
  }

  test('a crashing container fails the deployment at once, with its last log lines', async () => {
    const started = Date.now();
    const r = await failUnderLoad(['env', 'set', 'web', 'CRASH=1']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.ok(Date.now() - started < 30_000, 'failed fast, not at a timeout');
    assert.match(r.stderr, /exited with code 3/);
    assert.match(r.stderr, /fatal: CRASH is set/, 'the container logs explain why');
    const names = await settledContainers();
    assert.equal(names.length, 2, names.join(', '));
    assert.ok(
      names.every((n) => n.startsWith('berth-web-v1-')),
      names.join(', '),
    );
    const app = await berth.json<App>(['apps', 'show', 'web']);
    assert.equal(app.currentRelease?.version, 1);
    assert.deepEqual(app.env, {}, 'the failed change is undone: the spec describes what serves');
  });

  test('a health check that never passes fails within the health timeout', async () => {
    const started = Date.now();
    // The app listens on PORT; Berth probes the app's port 8080, which nothing answers.
    const r = await failUnderLoad(['env', 'set', 'web', 'PORT=9999']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /did not pass its health check .* within 4000 ms/);
    assert.ok(Date.now() - started < 30_000);
    const names = await settledContainers();
    assert.ok(names.length === 2 && names.every((n) => n.startsWith('berth-web-v1-')), names.join(', '));
  });

  test('an image that does not exist fails before anything starts', async () => {
    const r = await failUnderLoad(['deploy', 'web', '--image', 'localhost/does-not-exist:1']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr + r.stdout, /does-not-exist/);
    const deployments = await berth.json<Deployment[]>(['deployments', 'list', 'web']);
    assert.equal(deployments[0]?.error?.code, 'DEPLOY_IMAGE_NOT_FOUND');
    const app = await berth.json<App>(['apps', 'show', 'web']);
    assert.equal(app.image, HELLO_V1, 'the app keeps the image that serves');
  });

  test('after the failures a good deploy still works', async () => {
    const r = await berth.cli(['env', 'set', 'web', 'GREETING=fine']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match((await berth.get('web')).body, /hello v1 fine/);
    const names = await settledContainers();
    assert.ok(
      names.every((n) => /^berth-web-v\d+-/.test(n) && !n.startsWith('berth-web-v1-')),
      names.join(', '),
    );
  });
});
