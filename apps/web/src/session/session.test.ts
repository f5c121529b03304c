import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createApiClient } from '../api/client.js';
import { CSRF_HEADER, createCsrfTokenStore } from '../api/csrf.js';
import { ApiError } from '../problems/problem.js';
import { logIn, logOut, setUpFirstOwner } from './session.js';

/**
 * No berthd runs in these pure tests: a fetch that records each request and answers what
 * openapi.yaml says berthd answers stands in for it. What is checked is the client's side:
 * paths, bodies, cookies mode and the CSRF header.
 */
interface Seen {
  method: string;
  path: string;
  csrf: string | null;
  credentials: string;
  body: unknown;
}

function fakeBerthd(answer: (method: string, path: string) => Response) {
  const seen: Seen[] = [];
  const fetch = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const text = await request.text();
    seen.push({
      method: request.method,
      path: url.pathname,
      csrf: request.headers.get(CSRF_HEADER),
      credentials: request.credentials,
      body: text === '' ? undefined : JSON.parse(text),
    });
    return answer(request.method, url.pathname);
  };
  return { seen, fetch };
}

const json = (status: number, body: unknown, type = 'application/json'): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': type } });

const problem = (status: number, code: string, detail: string): Response =>
  json(
    status,
    { type: 'about:blank', title: code, status, detail, code, requestId: 'r1' },
    'application/problem+json',
  );

const session = {
  token: null,
  csrfToken: 'csrf-1',
  expiresAt: '2030-01-01T00:00:00Z',
  user: {
    id: 'usr_aaaaaaaaaaaaaaaaaaaa',
    email: 'ada@example.com',
    hasPassword: true,
    memberships: [],
    createdAt: '',
  },
};
const me = { kind: 'user', name: 'ada@example.com', memberships: [], installationOwner: true };

function routes(method: string, path: string): Response {
  if (method === 'POST' && path === '/api/v1/sessions') return json(201, session);
  if (method === 'GET' && path === '/api/v1/me') return json(200, me);
  if (method === 'DELETE' && path === '/api/v1/sessions/current') return new Response(null, { status: 204 });
  if (method === 'POST' && path === '/api/v1/setup') return new Response(null, { status: 204 });
  return problem(404, 'ROUTE_NOT_FOUND', 'No such route');
}

const clientFor = (fetch: (request: Request) => Promise<Response>) => {
  const tokens = createCsrfTokenStore(null);
  const api = createApiClient({ baseUrl: 'http://berth.test/api/v1', fetch, csrfToken: () => tokens.get() });
  return { api, tokens };
};

test('a browser login keeps its CSRF token and sends it on changes only, with the cookie', async () => {
  const berthd = fakeBerthd(routes);
  const { api, tokens } = clientFor(berthd.fetch);
  await logIn(api, tokens, { email: 'ada@example.com', password: 'correct horse' });
  assert.equal(tokens.get(), 'csrf-1');
  assert.equal((await api.GET('/me')).data?.name, 'ada@example.com');
  await logOut(api, tokens);
  assert.equal(tokens.get(), null);
  assert.deepEqual(
    berthd.seen.map(({ method, path, csrf, credentials }) => ({ method, path, csrf, credentials })),
    [
      { method: 'POST', path: '/api/v1/sessions', csrf: null, credentials: 'same-origin' },
      { method: 'GET', path: '/api/v1/me', csrf: null, credentials: 'same-origin' },
      { method: 'DELETE', path: '/api/v1/sessions/current', csrf: 'csrf-1', credentials: 'same-origin' },
    ],
  );
  assert.deepEqual(berthd.seen[0]?.body, {
    email: 'ada@example.com',
    password: 'correct horse',
    mode: 'browser',
  });
});

test('a refused login is an ApiError with the problem berthd answered', async () => {
  const berthd = fakeBerthd(() => problem(401, 'UNAUTHENTICATED', 'Wrong email or password'));
  const { api, tokens } = clientFor(berthd.fetch);
  await assert.rejects(
    logIn(api, tokens, { email: 'ada@example.com', password: 'wrong' }),
    (error: unknown) => {
      assert.ok(error instanceof ApiError);
      assert.equal(error.status, 401);
      assert.equal(error.problem?.code, 'UNAUTHENTICATED');
      assert.equal(error.message, 'Wrong email or password');
      return true;
    },
  );
  assert.equal(tokens.get(), null);
});

test('logging out of a session that already ended is done; a refused logout keeps the token', async () => {
  const ended = clientFor(fakeBerthd(() => problem(401, 'UNAUTHENTICATED', 'Session expired')).fetch);
  ended.tokens.set('csrf-1');
  await logOut(ended.api, ended.tokens);
  assert.equal(ended.tokens.get(), null);

  const refused = clientFor(fakeBerthd(() => problem(403, 'CSRF_FAILED', 'Needs its CSRF token')).fetch);
  refused.tokens.set('stale');
  await assert.rejects(logOut(refused.api, refused.tokens), { name: 'ApiError', status: 403 });
  assert.equal(refused.tokens.get(), 'stale');
});

test('the first owner is named with the setup token, then logs in like anyone', async () => {
  const berthd = fakeBerthd(routes);
  const { api, tokens } = clientFor(berthd.fetch);
  const owner = { token: 'setup_abc', email: 'ada@example.com', password: 'correct horse' };
  await setUpFirstOwner(api, owner);
  await logIn(api, tokens, owner);
  assert.deepEqual(
    berthd.seen.map((s) => [s.method, s.path, s.body]),
    [
      ['POST', '/api/v1/setup', owner],
      ['POST', '/api/v1/sessions', { email: owner.email, password: owner.password, mode: 'browser' }],
    ],
  );
  assert.equal(tokens.get(), 'csrf-1');
});
