/**
 * `logs --since/--grep` and resuming a deployment's events, at the API: a pattern or time berthd
 * cannot use is a 400 naming the query field before anything streams (no agent is asked), and a
 * follower that lost berthd resumes after the last event it saw.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { DeploymentStreamLine, Problem } from '@berth/protocol';
import { startTestApi, type TestApi } from './test-support/api.js';
import { assertSameDb } from './test-support/db-snapshot.js';
import { createApp, deploy } from './test-support/fixtures.js';
import { API, createClient, expectProblem, type Client } from './test-support/http.js';

let api: TestApi;
let client: Client;
before(async () => {
  api = await startTestApi();
  client = createClient(api);
  await createApp(client, 'web');
});
after(() => api.close());

const logs = (query: string) => client.send({ method: 'GET', url: `${API}/apps/web/logs?${query}` });

test('a pattern or a time berthd cannot use is a 400 that names the field, and writes nothing', async () => {
  for (const [query, path, message] of [
    ['grep=(a)%5C1', 'querystring.grep', /not a pattern Berth can run .*RE2/],
    ['grep=(%3F%3Da)b', 'querystring.grep', /lookaround/],
    [`grep=.%7B900%7D`, 'querystring.grep', /too complex/],
    [`grep=${'x'.repeat(201)}`, 'querystring.grep', /at most 200 characters/],
    ['grep=', 'querystring.grep', /must not be empty/],
    ['since=yesterday', 'querystring.since', /duration like 90s/],
    ['since=10', 'querystring.since', /duration like 90s/],
    ['since=2026-02-30T00:00:00Z', 'querystring.since', /duration like 90s/],
  ] as const) {
    const before = api.db.take();
    const res = await logs(query);
    expectProblem(res, 400, 'VALIDATION_FAILED');
    const problem = res.json as Problem;
    assert.equal(problem.errors?.length, 1, `${query}: ${res.text}`);
    assert.equal(problem.errors?.[0]?.path, path, query);
    assert.match(problem.errors?.[0]?.message ?? '', message, query);
    assertSameDb(before, api.db.take(), query);
  }
});

test('a good filter passes validation and goes to the agent (none runs here: 503)', async () => {
  for (const query of [
    'since=10m&grep=response%3A5%5Cd%5Cd',
    'since=2026-12-01T10:00:00.5%2B01:00',
    // Patterns that backtracking engines take forever on are fine: RE2 runs in linear time.
    'grep=(a%2B)%2B%24',
  ]) {
    expectProblem(await logs(query), 503, 'AGENT_UNAVAILABLE');
  }
});

test('deployment events: after=N resumes after the Nth event', async () => {
  const d = await deploy(client, 'web');
  const events = async (query: string): Promise<DeploymentStreamLine[]> => {
    const res = await client.send({ method: 'GET', url: `${API}/deployments/${d.id}/events?${query}` });
    assert.equal(res.status, 200, res.text);
    return res.text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as DeploymentStreamLine);
  };
  const all = await events('follow=false');
  const seqs = all.flatMap((l) => (l.type === 'event' ? [l.event.seq] : []));
  assert.ok(seqs.length >= 1, JSON.stringify(all));
  const last = seqs.at(-1) ?? 0;
  const resumed = await events(`follow=false&after=${last}`);
  assert.deepEqual(
    resumed.map((l) => l.type),
    ['end'],
    'nothing before or at the last event seen, then the end line',
  );
  expectProblem(
    await client.send({ method: 'GET', url: `${API}/deployments/${d.id}/events?after=-1` }),
    400,
    'VALIDATION_FAILED',
  );
});
