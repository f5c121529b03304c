import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { HEALTH_DEFAULTS, type App, type Deployment, type DeploymentWithEvents } from '@berth/protocol';
import { startTestApi, type TestApi } from './test-support/api.js';
import { createApp, deploy } from './test-support/fixtures.js';
import { API, createClient, type Client } from './test-support/http.js';

/** Issue 9: the steady probe interval is kept with the app and its releases; PORT against --port warns. */

let api: TestApi;
let client: Client;
before(async () => {
  api = await startTestApi({ inMemory: true });
  client = createClient(api);
});
after(() => api.close());

const getApp = async (name: string): Promise<App> => {
  const res = await client.send({ method: 'GET', url: `${API}/apps/${name}` });
  assert.equal(res.status, 200, res.text);
  return res.json as App;
};

test('an app is probed every 30 s once rolled out unless it says otherwise; a release keeps its interval', async () => {
  assert.equal((await createApp(client, 'plain')).health.steadyIntervalMs, HEALTH_DEFAULTS.steadyIntervalMs);
  const quiet = await createApp(client, 'quiet', { health: { steadyIntervalMs: 120_000 } });
  assert.equal(quiet.health.steadyIntervalMs, 120_000);
  assert.equal((await getApp('quiet')).health.intervalMs, HEALTH_DEFAULTS.intervalMs);
  await deploy(client, 'quiet');
  const releases = await client.send({ method: 'GET', url: `${API}/apps/quiet/releases` });
  const [release] = (releases.json as { releases: { health: { steadyIntervalMs?: number } }[] }).releases;
  assert.equal(release?.health.steadyIntervalMs, 120_000);
  const patched = await client.send({
    method: 'PATCH',
    url: `${API}/apps/quiet`,
    body: { health: { steadyIntervalMs: 5000 } },
  });
  assert.equal(patched.status, 200, patched.text);
  assert.deepEqual((patched.json as App).health, { ...HEALTH_DEFAULTS, steadyIntervalMs: 5000 });
  const bad = await client.send({
    method: 'POST',
    url: `${API}/apps`,
    body: { name: 'bad', image: 'nginx:1.27', health: { steadyIntervalMs: 50 } },
  });
  assert.equal(bad.status, 400, bad.text);
});

test('PORT in the env against the port is a warning on the app and on each of its deployments', async () => {
  const app = await createApp(client, 'ported', { port: 8080, env: { PORT: '5000' } });
  assert.equal(app.warnings?.length, 1);
  assert.match(app.warnings?.[0] ?? '', /PORT=5000 in the env contradicts the app's port 8080/);
  const d: Deployment = await deploy(client, 'ported');
  const shown = await client.send({ method: 'GET', url: `${API}/deployments/${d.id}` });
  const events = (shown.json as DeploymentWithEvents).events;
  assert.ok(
    events.some((e) => e.level === 'warn' && /berth apps update ported --port 5000/.test(e.message)),
    JSON.stringify(events),
  );
  const fixed = await client.send({ method: 'PATCH', url: `${API}/apps/ported`, body: { port: 5000 } });
  assert.equal((fixed.json as App).warnings, undefined, 'once they agree, no warning');
  assert.equal((await getApp('plain')).warnings, undefined);
});
