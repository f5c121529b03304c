import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { App } from '@berth/protocol';
import { startTestApi, type TestApi } from './test-support/api.js';
import { assertSameDb } from './test-support/db-snapshot.js';
import { sourceAppWithBuild } from './test-support/fixtures.js';
import { API, createClient, expectProblem, type Client, type Res } from './test-support/http.js';
import { createTokenVia, sessionUser } from './test-support/principals.js';

/**
 * Which images a team may deploy (access/images.ts), as each kind of principal: the default
 * team's owner token (an installation owner), a default-team admin, the owner and operator of a
 * second team, and `root`, an owner of both. Image ids are refused as input; local images of the
 * host need an installation owner's allowance; images Berth built belong to their app's team.
 */

let api: TestApi;
let client: Client;
let root: string;
let admin: string;
let bOwner: string;
let bOperator: string;
const BUILT_A = 'localhost/berth/alpha-src:0123456789ab';
const BUILT_B = 'localhost/berth/bravo-src:0123456789ab';

before(async () => {
  api = await startTestApi();
  client = createClient(api);
  root = (await sessionUser(client, { email: 'root@a.example', role: 'owner' })).token;
  const team = await client.send({
    method: 'POST',
    url: `${API}/teams`,
    body: { name: 'bravo' },
    token: root,
  });
  assert.equal(team.status, 201, team.text);
  admin = (await createTokenVia(client, { name: 'a-admin', role: 'admin' })).token;
  bOwner = (await createTokenVia(client, { name: 'b-owner', role: 'owner', team: 'bravo' }, root)).token;
  bOperator = (await createTokenVia(client, { name: 'b-op', role: 'operator', team: 'bravo' }, root)).token;
  // One app per team built from source, whose build #1 made an image (no agent runs here).
  for (const [name, image, as] of [
    ['alpha-src', BUILT_A, undefined],
    ['bravo-src', BUILT_B, bOwner],
  ] as const) {
    const d = await sourceAppWithBuild(client, name, as, as ? { team: 'bravo' } : {});
    assert.ok(d.build);
    await api.store.builds.update(d.build.id, {
      status: 'succeeded',
      image,
      imageId: `sha256:${'e'.repeat(64)}`,
    });
  }
});
after(() => api.close());

let n = 0;
const fresh = (): string => `img-${(n += 1)}`;
const create = (body: Record<string, unknown>, token?: string): Promise<Res> =>
  client.send({ method: 'POST', url: `${API}/apps`, body: { name: fresh(), ...body }, token });
const deploy = (app: string, image: string, token?: string): Promise<Res> =>
  client.send({ method: 'POST', url: `${API}/apps/${app}/deployments`, body: { image }, token });
const update = (app: string, image: string, token?: string): Promise<Res> =>
  client.send({ method: 'PATCH', url: `${API}/apps/${app}`, body: { image }, token });
const setLocal = (team: string, allowed: boolean, token?: string): Promise<Res> =>
  client.send({ method: 'PUT', url: `${API}/teams/${team}/local-images`, body: { allowed }, token });

async function appIn(team: 'default' | 'bravo', token?: string): Promise<string> {
  const res = await create({ image: 'ghcr.io/acme/api:1', ...(team === 'bravo' && { team }) }, token);
  assert.equal(res.status, 201, res.text);
  return (res.json as App).name;
}

/** The request is refused with `code` and changes nothing but the audit log. */
async function refused(
  send: () => Promise<Res>,
  status: number,
  code: Parameters<typeof expectProblem>[2],
  field?: string,
) {
  const before = api.db.take();
  const res = await send();
  const problem = expectProblem(res, status, code, field);
  assertSameDb(before, api.db.take(), `${code}: nothing written`);
  return problem;
}

describe('image ids', () => {
  test('sha256 ids and hex prefixes are a 400 naming the image, for every principal and route', async () => {
    const app = await appIn('default');
    const id = `sha256:${'8'.repeat(64)}`;
    for (const image of [id, '8'.repeat(64), '8ffdbf63413d', '8f']) {
      for (const token of [undefined, bOwner]) {
        await refused(
          () => create({ image, ...(token && { team: 'bravo' }) }, token),
          400,
          'VALIDATION_FAILED',
          'image',
        );
      }
      await refused(() => deploy(app, image), 400, 'VALIDATION_FAILED', 'image');
      await refused(() => update(app, image), 400, 'VALIDATION_FAILED', 'image');
    }
  });
});

describe("the host's local images", () => {
  test('the default team may deploy them (the quickstart)', async () => {
    const res = await create({ image: 'localhost/hello:1' });
    assert.equal(res.status, 201, res.text);
    assert.equal((await deploy((res.json as App).name, 'localhost/hello:2', admin)).status, 202);
  });

  test('another team may not, until an installation owner allows it; then not again once refused', async () => {
    const app = await appIn('bravo', bOwner);
    const problem = await refused(
      () => create({ image: 'localhost/hello:1', team: 'bravo' }, bOwner),
      403,
      'IMAGE_NOT_ALLOWED',
    );
    assert.match(problem.hint ?? '', /berth teams allow-local-images bravo/);
    await refused(() => deploy(app, 'localhost/hello:1', bOperator), 403, 'IMAGE_NOT_ALLOWED');
    await refused(() => update(app, 'localhost/hello:1', bOwner), 403, 'IMAGE_NOT_ALLOWED');
    const row = await api.store.audit.last();
    assert.deepEqual(
      [row?.action, row?.outcome, row?.teamId],
      ['app.update', 'denied', (await api.store.teams.getByName('bravo'))?.id],
    );
    // A short name is Docker Hub's (the agent resolves exactly that), so it is no way around.
    assert.equal((await deploy(app, 'hello:1', bOperator)).status, 202);

    // Only an installation owner decides: not the team's own owner, not a default-team admin.
    await refused(() => setLocal('bravo', true, bOwner), 403, 'FORBIDDEN');
    await refused(() => setLocal('bravo', true, admin), 403, 'FORBIDDEN');
    expectProblem(await setLocal('ghost-team', true), 404, 'TEAM_NOT_FOUND');
    assert.equal((await setLocal('bravo', true)).status, 200);
    assert.equal((await create({ image: 'localhost/hello:1', team: 'bravo' }, bOwner)).status, 201);
    assert.equal((await deploy(app, 'localhost/hello:2', bOperator)).status, 202);
    assert.equal((await setLocal('bravo', false, root)).status, 200);
    await refused(() => deploy(app, 'localhost/hello:1', bOperator), 403, 'IMAGE_NOT_ALLOWED');
  });

  test('registry images are any team’s, including a registry on this host’s loopback', async () => {
    for (const image of ['ghcr.io/acme/api:1', 'nginx:1.27', 'localhost:5000/hello:1']) {
      assert.equal((await create({ image, team: 'bravo' }, bOwner)).status, 201, image);
    }
  });
});

describe('images Berth built', () => {
  test('belong to the team of the app whose build made them', async () => {
    const own = await appIn('default', admin);
    assert.equal((await deploy(own, BUILT_A, admin)).status, 202, 'a team deploys its own builds');
    assert.equal((await create({ image: BUILT_B, team: 'bravo' }, bOwner)).status, 201);
  });

  test("another team's build is refused like one that never existed, even with local images allowed", async () => {
    assert.equal((await setLocal('bravo', true)).status, 200);
    try {
      const app = await appIn('bravo', bOwner);
      const theirs = await refused(() => deploy(app, BUILT_A, bOperator), 403, 'IMAGE_NOT_ALLOWED');
      const ghost = await refused(
        () => deploy(app, 'localhost/berth/ghost-app:0123456789ab', bOperator),
        403,
        'IMAGE_NOT_ALLOWED',
      );
      assert.equal(theirs.detail.replace('alpha-src', '∅'), ghost.detail.replace('ghost-app', '∅'));
      assert.equal(theirs.hint, ghost.hint);
      // Under another tag, without one, or by a base image's name: Berth's names are never local images.
      for (const image of [
        'localhost/berth/alpha-src',
        'localhost/berth/alpha-src:unbuilt',
        'localhost/berth/base-node:bookworm',
      ])
        await refused(() => create({ image, team: 'bravo' }, bOwner), 403, 'IMAGE_NOT_ALLOWED');
    } finally {
      assert.equal((await setLocal('bravo', false)).status, 200);
    }
  });

  test('an installation owner does not take one team’s build into another team either', async () => {
    await refused(() => create({ image: BUILT_B }), 403, 'IMAGE_NOT_ALLOWED');
    await refused(() => create({ image: BUILT_A, team: 'bravo' }, root), 403, 'IMAGE_NOT_ALLOWED');
  });
});
