/**
 * A rollback sticks (issue 9): after `berth rollback`, the rolled-to release is the app's
 * settings — image, env, secrets, limits, replicas — and `apps show`, a plain `deploy`, `env set`,
 * `scale` and `secrets` all start from it. Against a real `berth up`, served through Caddy.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { App, Release } from '@berth/protocol';
import { ensureExampleImages, HELLO_V1, HELLO_V2 } from '../support/images.js';
import { BerthUnderTest } from './support/berth.js';

describe('rollback, then every command keeps the rolled-to release', () => {
  let berth: BerthUnderTest;

  const ok = async (args: string[]): Promise<void> => {
    const r = await berth.cli(args);
    assert.equal(r.code, 0, `berth ${args.join(' ')}\n${r.stdout}${r.stderr}`);
  };
  const serves = async (): Promise<string> => (await berth.get('web')).body.trim();
  const newest = async (): Promise<Release | undefined> =>
    (await berth.json<Release[]>(['releases', 'web']))[0];

  before(async () => {
    await ensureExampleImages();
    berth = await BerthUnderTest.create();
    await berth.start();
  });
  after(async () => {
    await berth?.destroy();
  });

  test('v1 with a secret, then v2, a new secret and new limits', async () => {
    await ok(['apps', 'create', 'web', '--image', HELLO_V1, '--replicas', '2', '--env', 'GREETING=env']);
    await ok(['secrets', 'set', 'web', 'GREETING=one']); // nothing deployed yet: no release
    await ok(['deploy', 'web']);
    assert.equal(await serves(), 'hello v1 one', 'a secret wins over env of the same name');
    await ok(['deploy', 'web', '--image', HELLO_V2]);
    await ok(['secrets', 'set', 'web', 'GREETING=two']);
    await ok(['scale', 'web', '--memory', '256M', '--replicas', '3']);
    assert.equal(await serves(), 'hello v2 two');
    assert.equal((await newest())?.version, 4);
  });

  test('rollback --to 1 serves v1 and apps show says v1’s settings', async () => {
    await ok(['rollback', 'web', '--to', '1']);
    assert.equal(await serves(), 'hello v1 one');
    const app = await berth.json<App>(['apps', 'show', 'web']);
    assert.deepEqual(
      [app.image, app.env, app.replicas, app.limits.memoryMiB, app.secrets, app.currentRelease?.version],
      [HELLO_V1, { GREETING: 'env' }, 2, 512, ['GREETING'], 1],
    );
    const serving = app.replicaStatus.filter((r) => r.state === 'serving');
    assert.deepEqual(
      serving.map((r) => r.releaseVersion),
      [1, 1],
    );
  });

  test('a plain deploy deploys v1’s image again, not v2’s', async () => {
    await ok(['deploy', 'web']);
    assert.equal(await serves(), 'hello v1 one');
    assert.deepEqual([(await newest())?.version, (await newest())?.image], [5, HELLO_V1]);
  });

  test('env set, scale and secrets keep v1’s image and secrets', async () => {
    await ok(['env', 'set', 'web', 'EXTRA=1']);
    assert.equal(await serves(), 'hello v1 one', 'v1’s secret, not v3’s');
    assert.deepEqual(
      [(await newest())?.image, (await newest())?.env],
      [HELLO_V1, { EXTRA: '1', GREETING: 'env' }],
    );
    await ok(['scale', 'web', '--replicas', '3']);
    const app = await berth.json<App>(['apps', 'show', 'web']);
    assert.equal(app.replicaStatus.filter((r) => r.state === 'serving' && r.releaseVersion === 6).length, 3);
    assert.equal(app.limits.memoryMiB, 512, 'v1’s limits');
    await ok(['secrets', 'unset', 'web', 'GREETING']);
    assert.equal(await serves(), 'hello v1 env', 'the env underneath is v1’s too');
    assert.equal((await newest())?.image, HELLO_V1);
  });
});
