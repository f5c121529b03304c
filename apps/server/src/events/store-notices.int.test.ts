// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { LiveNotice } from '@berth/protocol';
import { startTestApi, type TestApi } from '../http/test-support/api.js';
import { createApp, deploy, sourceAppWithBuild } from '../http/test-support/fixtures.js';
import { API, createClient, type Client } from '../http/test-support/http.js';
import { EventBus } from './bus.js';
import { startStoreNotices, type StoreNotices } from './store-notices.js';

/**
 * From the store's commits (and reported replicas) to the bus, against a real store: each kind
 * of change is a notice of its app's team, named, deduplicated within a batch; a deleted app is
 * still named; another team's changes reach only that team.
 */

let api: TestApi;
let client: Client;
let bus: EventBus;
let notices: StoreNotices;

before(async () => {
  api = await startTestApi();
  client = createClient(api);
  bus = new EventBus();
  notices = startStoreNotices({ store: api.store, bus, log: { warn: () => undefined }, batchMs: 5 });
});
after(async () => {
  await notices.stop();
  await api.close();
});

/** Collects a team's notices; `until` waits (event-driven) for one that matches. */
function listen(teamId: string) {
  const heard: LiveNotice[] = [];
  let wake = (): void => undefined;
  const stop = bus.subscribe(teamId, (batch) => {
    heard.push(...batch);
    wake();
  });
  return {
    heard,
    stop,
    async until(match: (n: LiveNotice) => boolean): Promise<void> {
      const deadline = Date.now() + 2_000;
      while (!heard.some(match)) {
        assert.ok(Date.now() < deadline, `not heard; heard ${JSON.stringify(heard)}`);
        await Promise.race([
          new Promise<void>((resolve) => (wake = resolve)),
          new Promise<void>((resolve) => setTimeout(resolve, deadline - Date.now())),
        ]);
      }
    },
  };
}

test('apps, deployments, builds, their logs, replicas and audit rows are notices of the team', async () => {
  const team = listen(api.defaultTeamId);
  const app = await createApp(client, 'noticed');
  await team.until((n) => n.kind === 'app' && n.app === 'noticed');
  assert.ok(
    team.heard.some((n) => n.kind === 'audit'),
    'its audit row',
  );

  const d = await deploy(client, 'noticed');
  await team.until((n) => n.kind === 'deployment' && n.deployment === d.id);

  notices.replicasChanged([app.id]);
  await team.until((n) => n.kind === 'replicas' && n.app === 'noticed');

  await sourceAppWithBuild(client, 'from-git');
  const built = await api.store.apps.getByName('from-git');
  const build = built && (await api.store.builds.getByNumber(built.id, 1));
  assert.ok(build);
  await team.until((n) => n.kind === 'build' && n.build === build.id && n.number === 1);
  team.heard.length = 0;
  for (let i = 0; i < 20; i++)
    await api.store.builds.appendLogs(build.id, [{ at: Date.now(), line: `l${i}` }]);
  await team.until((n) => n.kind === 'build-log' && n.build === build.id);
  const logNotices = team.heard.filter((n) => n.kind === 'build-log').length;
  assert.ok(logNotices < 20, `a burst of lines is fewer notices (${logNotices} for 20 commits)`);

  // Deleted: its row is gone by the time the notice is made, and it is still named.
  team.heard.length = 0;
  const removed = await client.send({ method: 'DELETE', url: `${API}/apps/noticed` });
  assert.ok(removed.status < 300, removed.text);
  await team.until((n) => n.kind === 'app' && n.app === 'noticed');
  team.stop();
});

test("another team's changes reach only that team", async () => {
  assert.equal(
    (await client.send({ method: 'POST', url: `${API}/teams`, body: { name: 'far' } })).status,
    201,
  );
  const far = await api.store.teams.getByName('far');
  assert.ok(far);
  const mine = listen(api.defaultTeamId);
  const theirs = listen(far.id);
  await createApp(client, 'far-app', { team: 'far' });
  await theirs.until((n) => n.kind === 'app' && n.app === 'far-app');
  await createApp(client, 'near-app');
  await mine.until((n) => n.kind === 'app' && n.app === 'near-app');
  assert.ok(!mine.heard.some((n) => 'app' in n && n.app === 'far-app'), JSON.stringify(mine.heard));
  assert.ok(!theirs.heard.some((n) => 'app' in n && n.app === 'near-app'), JSON.stringify(theirs.heard));
  mine.stop();
  theirs.stop();
  assert.equal(bus.listening, false);
});
