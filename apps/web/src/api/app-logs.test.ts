import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../problems/problem.js';
import { checkLogLine, openAppLogs } from './app-logs.js';
import { createApiClient } from './client.js';

const line = {
  at: '2025-01-01T12:00:01Z',
  replica: 'berth-web-v1-abc123-0',
  stream: 'stdout',
  line: '<b>hi</b>',
};

test('a log line is checked and typed; what the page does not use is left out', () => {
  assert.deepEqual(checkLogLine(line), line);
  assert.deepEqual(checkLogLine({ ...line, extra: 1 }), line);
  assert.deepEqual(checkLogLine({ ...line, stream: 'berth' }), { ...line, stream: 'berth' });
});

test('a line of another shape is refused, saying what is wrong', () => {
  const refused: [unknown, RegExp][] = [
    [null, /line is missing/],
    [[line], /line is missing/],
    [{ ...line, at: 1 }, /at is missing/],
    [{ ...line, replica: null }, /replica/],
    [{ ...line, stream: 'html' }, /stream/],
    [{ ...line, line: { html: '<b>' } }, /line is missing/],
  ];
  for (const [value, reason] of refused) assert.throws(() => checkLogLine(value), reason);
});

test('health-check lines are asked for by default; a refusal is an ApiError with its problem', async () => {
  const seen: URL[] = [];
  const problem = {
    type: 'https://berth.dev/errors/agent-unavailable',
    title: 'Agent unavailable',
    status: 503,
    detail: 'No agent is connected, so there are no logs to stream',
    code: 'AGENT_UNAVAILABLE',
    requestId: 'req-1',
  };
  const client = createApiClient({
    csrfToken: () => null,
    baseUrl: 'http://berth.test/api/v1',
    fetch: (request) => {
      seen.push(new URL(request.url));
      return Promise.resolve(
        new Response(JSON.stringify(problem), {
          status: 503,
          headers: { 'content-type': 'application/problem+json' },
        }),
      );
    },
  });
  await assert.rejects(
    openAppLogs(client, 'web', {
      follow: true,
      since: null,
      tail: 50,
      health: true,
      signal: new AbortController().signal,
    }),
    (err: unknown) =>
      err instanceof ApiError && err.status === 503 && err.problem?.code === 'AGENT_UNAVAILABLE',
  );
  assert.deepEqual(Object.fromEntries(seen[0]?.searchParams ?? []), { follow: 'true', tail: '50' });
});
