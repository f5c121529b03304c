// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApi, type TestApi } from './test-support/api.js';
import { sourceAppWithBuild } from './test-support/fixtures.js';
import { API, createClient, type Client } from './test-support/http.js';

/**
 * Following a build's log over real HTTP (`GET /apps/{app}/builds/{n}/logs?follow=true`, what
 * `berth builds logs -f` and the dashboard read): each line is on the wire as soon as its write
 * commits, woken by the store's commit (ctx.buildFeed) rather than found by a timed read whose
 * fallback is 5 s; the end line follows the final status; the follower leaves nothing waiting.
 * No job worker runs: the test writes the build's lines itself, as the build runner would.
 */

let api: TestApi;
let client: Client;
let base: string;

before(async () => {
  api = await startTestApi();
  client = createClient(api);
  base = await api.app.listen({ host: '127.0.0.1', port: 0 });
});
after(() => api.close());

test('each line of a followed build log is on the wire as soon as it commits; the end line follows the status', async () => {
  await sourceAppWithBuild(client, 'built');
  const app = await api.store.apps.getByName('built');
  const build = app && (await api.store.builds.getByNumber(app.id, 1));
  assert.ok(build, 'build #1 is queued');
  const answer = fetch(`${base}${API}/apps/built/builds/1/logs?follow=true`, {
    headers: { authorization: `Bearer ${api.token}` },
  });
  // The answer's head goes out with its first line: a log with none yet gets one first.
  await api.store.builds.appendLogs(build.id, [{ at: Date.now(), line: 'cloning' }]);
  const res = await answer;
  // The body is the stream itself: read it only to say why it is not one.
  if (res.status !== 200) assert.fail(`${res.status}: ${await res.text()}`);
  const reader = res.body?.getReader();
  assert.ok(reader);
  const decoder = new TextDecoder();
  let buffered = '';
  const nextLine = async (): Promise<{
    type: string;
    line?: { line: string };
    build?: { status: string };
  }> => {
    for (;;) {
      const at = buffered.indexOf('\n');
      if (at >= 0) {
        const line = buffered.slice(0, at);
        buffered = buffered.slice(at + 1);
        return JSON.parse(line) as { type: string; line?: { line: string }; build?: { status: string } };
      }
      const { value, done } = await reader.read();
      assert.ok(!done, 'the stream ended early');
      buffered += decoder.decode(value as Uint8Array, { stream: true });
    }
  };

  assert.equal((await nextLine()).line?.line, 'cloning');
  const waits: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    await api.store.builds.appendLogs(build.id, [{ at: Date.now(), line: `step ${i}` }]);
    const line = await nextLine();
    waits.push(performance.now() - t0);
    assert.equal(line.line?.line, `step ${i}`);
  }
  // Woken by the commit, not by the 5-s fallback read (it read every 150 ms before).
  assert.ok(Math.max(...waits) < 1000, `commit to wire: ${waits.map((w) => w.toFixed(0)).join(' ')} ms`);
  await api.store.transaction(async (tx) => {
    await tx.builds.appendLogs(build.id, [{ at: Date.now(), line: 'done' }]);
    await tx.builds.update(build.id, { status: 'succeeded', finishedAt: Date.now() });
  });
  assert.equal((await nextLine()).line?.line, 'done');
  const end = await nextLine();
  assert.deepEqual([end.type, end.build?.status], ['end', 'succeeded']);
  assert.equal((await reader.read()).done, true);
});
