import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../problems/problem.js';
import { createApiClient } from './client.js';
import { checkDeploymentLine, openDeploymentEvents, type DeploymentLine } from './deployment-events.js';

const event = { seq: 3, at: '2025-01-01T12:00:01.200Z', level: 'warn', message: '<b>slow</b> health check' };
const deployment = {
  id: 'dep_aaaaaaaaaaaaaaaaaaaa',
  appId: 'app_aaaaaaaaaaaaaaaaaaaa',
  appName: 'web',
  releaseId: 'rel_aaaaaaaaaaaaaaaaaaaa',
  releaseVersion: 2,
  kind: 'deploy',
  status: 'succeeded',
  replicas: 1,
  build: null,
  error: null,
  createdAt: '2025-01-01T12:00:00.000Z',
  startedAt: '2025-01-01T12:00:00.100Z',
  finishedAt: '2025-01-01T12:00:09.000Z',
};
const ended = {
  id: deployment.id,
  appName: 'web',
  releaseVersion: 2,
  status: 'succeeded',
  createdAt: deployment.createdAt,
  startedAt: deployment.startedAt,
  finishedAt: deployment.finishedAt,
};

test('event and end lines are checked and typed; what the page does not use is left out', () => {
  assert.deepEqual(checkDeploymentLine({ type: 'event', event }), { type: 'event', event });
  assert.deepEqual(checkDeploymentLine({ type: 'end', deployment }), { type: 'end', deployment: ended });
  // A queued deployment that was ignored never started.
  const ignored = { ...deployment, status: 'ignored', startedAt: null, finishedAt: null };
  const line = checkDeploymentLine({ type: 'end', deployment: ignored });
  assert.equal(line.type === 'end' ? line.deployment.startedAt : 'no end line', null);
});

test('a line of another shape is refused, saying what is wrong', () => {
  const refused: [unknown, RegExp][] = [
    [null, /not an object/],
    [[{ type: 'event', event }], /not an object/],
    [{ type: 'log', line: 'x' }, /neither "event" nor "end"/],
    [{ type: 'event' }, /event is missing/],
    [{ type: 'event', event: { ...event, seq: '3' } }, /seq is missing or of the wrong type/],
    [{ type: 'event', event: { ...event, seq: 1.5 } }, /seq/],
    [{ type: 'event', event: { ...event, seq: -1 } }, /seq/],
    [{ type: 'event', event: { ...event, level: 'debug' } }, /level/],
    [{ type: 'event', event: { ...event, message: { html: '<b>' } } }, /message/],
    [{ type: 'event', event: { seq: 1, at: event.at, level: 'info' } }, /message/],
    [{ type: 'end', deployment: { ...deployment, status: 'done' } }, /status/],
    [{ type: 'end', deployment: { ...deployment, finishedAt: 0 } }, /finishedAt/],
    [{ type: 'end' }, /deployment is missing/],
  ];
  for (const [value, reason] of refused) assert.throws(() => checkDeploymentLine(value), reason);
});

/** No berthd here: a fetch that records the request and answers what openapi.yaml says berthd does. */
function fakeBerthd(answer: () => Response) {
  const seen: Request[] = [];
  const client = createApiClient({
    csrfToken: () => 'csrf-token',
    baseUrl: 'http://berth.test/api/v1',
    fetch: (request) => {
      seen.push(request);
      return Promise.resolve(answer());
    },
  });
  return { client, seen };
}

const ndjson = (lines: readonly unknown[]): Response =>
  new Response(lines.map((l) => `${JSON.stringify(l)}\n`).join(''), {
    headers: { 'content-type': 'application/x-ndjson; charset=utf-8' },
  });

async function all(lines: AsyncIterable<DeploymentLine>): Promise<DeploymentLine[]> {
  const out: DeploymentLine[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

test('a follow asks for the steps after the last one seen, with the session cookie and no CSRF token', async () => {
  const { client, seen } = fakeBerthd(() =>
    ndjson([
      { type: 'event', event },
      { type: 'end', deployment },
    ]),
  );
  const lines = await openDeploymentEvents(client, deployment.id, {
    follow: true,
    after: 2,
    signal: new AbortController().signal,
  });
  assert.deepEqual(await all(lines), [
    { type: 'event', event },
    { type: 'end', deployment: ended },
  ]);
  const [request] = seen;
  assert.ok(request);
  const url = new URL(request.url);
  assert.equal(url.pathname, `/api/v1/deployments/${deployment.id}/events`);
  assert.equal(url.searchParams.get('follow'), 'true');
  assert.equal(url.searchParams.get('after'), '2');
  assert.equal(request.method, 'GET');
  assert.equal(request.credentials, 'same-origin');
  assert.equal(request.headers.get('x-csrf-token'), null);
  assert.match(request.headers.get('accept') ?? '', /application\/x-ndjson/);
});

test('a finished deployment is read once from the start', async () => {
  const { client, seen } = fakeBerthd(() => ndjson([{ type: 'end', deployment }]));
  await all(
    await openDeploymentEvents(client, deployment.id, {
      follow: false,
      after: 0,
      signal: new AbortController().signal,
    }),
  );
  const url = new URL(seen[0]!.url);
  assert.equal(url.searchParams.get('follow'), 'false');
  assert.equal(url.searchParams.has('after'), false);
});

test("berthd's refusal is an ApiError with its problem", async () => {
  const problem = {
    type: 'https://berth.dev/errors/rate-limited',
    title: 'Rate limited',
    status: 429,
    detail: 'You have 8 streams open (…); the limit is 8 per user or token',
    code: 'RATE_LIMITED',
    requestId: 'req-1',
  };
  const { client } = fakeBerthd(
    () =>
      new Response(JSON.stringify(problem), {
        status: 429,
        headers: { 'content-type': 'application/problem+json', 'retry-after': '5' },
      }),
  );
  await assert.rejects(
    openDeploymentEvents(client, deployment.id, {
      follow: true,
      after: 0,
      signal: new AbortController().signal,
    }),
    (err: unknown) => err instanceof ApiError && err.status === 429 && err.problem?.code === 'RATE_LIMITED',
  );
});
