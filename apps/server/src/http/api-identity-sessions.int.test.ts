// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestClock, startTestApi, type TestApi } from './test-support/api.js';
import { assertSameDb } from './test-support/db-snapshot.js';
import { API, createClient, expectProblem, type Client, type Req, type Res } from './test-support/http.js';
import { createUserVia, loginAs, PASSWORD, sessionCookie, type Session } from './test-support/principals.js';

/** Sessions: browser cookies and CSRF, logging out, one-time tokens, and what ends a session. */

const clock = createTestClock();
let api: TestApi;
let client: Client;
before(async () => {
  api = await startTestApi({ clock: clock.now });
  client = createClient(api);
});
after(() => api.close());

const HOUR = 3_600_000;
const me = (token: string | null, headers: Record<string, string> = {}): Promise<Res> =>
  client.send({ method: 'GET', url: `${API}/me`, token, headers });
const withCookie = (s: Session, headers: Record<string, string> = {}) => ({
  token: null,
  headers: { cookie: s.cookie ?? '', ...headers },
});
const setPassword = (token: string, password = PASSWORD): Promise<Res> =>
  client.send({ method: 'POST', url: `${API}/password`, body: { token, password }, token: null });

/** Refused, nothing written, and one `denied` audit row for it. */
async function refusedAndAudited(
  req: Req,
  status: number,
  code: 'CSRF_FAILED' | 'TOKEN_INVALID',
): Promise<void> {
  const before = api.db.take();
  const seq = (await api.store.audit.last())?.seq ?? 0;
  const res = await client.send(req);
  expectProblem(res, status, code);
  assertSameDb(before, api.db.take(), `${req.method} ${req.url} (${code})`);
  const rows = await api.store.audit.list({ afterSeq: seq, limit: 10 });
  assert.deepEqual(
    rows.map((r) => [r.outcome, r.requestId]),
    [[status === 403 ? 'denied' : 'failed', res.headers['x-request-id']]],
  );
}

test('browser login: an HttpOnly, SameSite=Lax cookie, not Secure over plain http, a CSRF token and no bearer token', async () => {
  await createUserVia(client, { email: 'web@example.com', role: 'admin', password: PASSWORD });
  const s = await loginAs(client, 'web@example.com', { mode: 'browser' });
  const header = String(s.res.headers['set-cookie']);
  const [pair, ...attributes] = header.split(';').map((a) => a.trim());
  assert.match(pair ?? '', /^berth_session=bs_[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(attributes.map((a) => a.toLowerCase()).sort(), [
    'httponly',
    'max-age=43200',
    'path=/',
    'samesite=lax',
  ]);
  const body = s.res.json as { token: unknown; csrfToken: unknown; expiresAt: string };
  assert.equal(body.token, null, 'the session is in the cookie only');
  assert.equal(typeof body.csrfToken, 'string');
  assert.equal(Date.parse(body.expiresAt), clock.now() + 12 * HOUR);
  // A read with the cookie needs no CSRF token.
  const res = await me(null, { cookie: s.cookie ?? '' });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.json, {
    kind: 'user',
    name: 'web@example.com',
    memberships: [{ team: 'default', role: 'admin' }],
    installationOwner: false,
    // The same token the login gave: a tab opened later reads it here.
    csrfToken: body.csrfToken,
  });
});

test('a change with the cookie needs its CSRF token: none, a wrong one or another session’s is 403 CSRF_FAILED', async () => {
  const s = await loginAs(client, 'web@example.com', { mode: 'browser' });
  const other = await loginAs(client, 'web@example.com', { mode: 'browser' });
  const create = (name: string, headers: Record<string, string>): Req => ({
    method: 'POST',
    url: `${API}/projects`,
    body: { name },
    ...withCookie(s, headers),
  });
  const wrong: Record<string, Record<string, string>> = {
    'no token': {},
    'an empty token': { 'x-csrf-token': '' },
    'a made-up token': { 'x-csrf-token': 'A'.repeat(43) },
    "another session's token": { 'x-csrf-token': other.csrfToken ?? '' },
    'the session token itself': { 'x-csrf-token': s.token },
  };
  for (const headers of Object.values(wrong))
    await refusedAndAudited(create('csrf', headers), 403, 'CSRF_FAILED');
  await refusedAndAudited(
    { method: 'DELETE', url: `${API}/sessions/current`, ...withCookie(s) },
    403,
    'CSRF_FAILED',
  );
  const ok = await client.send(create('csrf', { 'x-csrf-token': s.csrfToken ?? '' }));
  assert.equal(ok.status, 201, ok.text);
});

test('logging out ends the session at once: bearer and cookie', async () => {
  await createUserVia(client, { email: 'leaver@example.com', role: 'viewer', password: PASSWORD });
  const cli = await loginAs(client, 'leaver@example.com');
  const other = await loginAs(client, 'leaver@example.com');
  assert.equal((await me(cli.token)).status, 200);
  const out = await client.send({ method: 'DELETE', url: `${API}/sessions/current`, token: cli.token });
  assert.equal(out.status, 204, out.text);
  expectProblem(await me(cli.token), 401, 'UNAUTHENTICATED');
  assert.equal((await me(other.token)).status, 200, 'only that session ended');

  const web = await loginAs(client, 'leaver@example.com', { mode: 'browser' });
  const bye = await client.send({
    method: 'DELETE',
    url: `${API}/sessions/current`,
    ...withCookie(web, { 'x-csrf-token': web.csrfToken ?? '' }),
  });
  assert.equal(bye.status, 204, bye.text);
  assert.match(
    String(bye.headers['set-cookie']),
    /^berth_session=; .*Max-Age=0/,
    'the browser drops the cookie',
  );
  assert.equal(sessionCookie(bye), null);
  expectProblem(await me(null, { cookie: web.cookie ?? '' }), 401, 'UNAUTHENTICATED');
});

test('a setup token sets the first password exactly once', async () => {
  const user = await createUserVia(client, { email: 'new@example.com', role: 'viewer' });
  assert.ok(user.setup);
  const first = await setPassword(user.setup);
  assert.equal(first.status, 204, first.text);
  await loginAs(client, user.email);
  await refusedAndAudited(
    {
      method: 'POST',
      url: `${API}/password`,
      body: { token: user.setup, password: 'another password' },
      token: null,
    },
    400,
    'TOKEN_INVALID',
  );
  await loginAs(client, user.email);
});

test('setup tokens expire after 24 hours, reset tokens after one', async () => {
  const late = await createUserVia(client, { email: 'late@example.com', role: 'viewer' });
  const reset = await client.send({ method: 'POST', url: `${API}/users/new@example.com/password-reset` });
  assert.equal(reset.status, 201, reset.text);
  const resetToken = (reset.json as { token: string }).token;
  clock.advance(HOUR + 1);
  expectProblem(await setPassword(resetToken), 400, 'TOKEN_INVALID');
  const soon = await createUserVia(client, { email: 'soon@example.com', role: 'viewer' });
  clock.advance(23 * HOUR);
  expectProblem(await setPassword(late.setup ?? ''), 400, 'TOKEN_INVALID');
  assert.equal((await setPassword(soon.setup ?? '')).status, 204, 'a day is not over yet for this one');
});

test('a reset sets a password once, ends every session of the user, and the old password stops working', async () => {
  await createUserVia(client, { email: 'reset@example.com', role: 'viewer', password: PASSWORD });
  const sessions = [
    await loginAs(client, 'reset@example.com'),
    await loginAs(client, 'reset@example.com', { mode: 'browser' }),
  ];
  const issued = await client.send({ method: 'POST', url: `${API}/users/reset@example.com/password-reset` });
  assert.equal(issued.status, 201, issued.text);
  assert.equal((await me(sessions[0]?.token ?? '')).status, 200, 'issuing a reset ends nothing yet');
  const resetToken = (issued.json as { token: string }).token;
  assert.equal((await setPassword(resetToken, 'a brand new password')).status, 204);
  expectProblem(await setPassword(resetToken, 'yet another password'), 400, 'TOKEN_INVALID');
  expectProblem(await me(sessions[0]?.token ?? ''), 401, 'UNAUTHENTICATED');
  expectProblem(await me(null, { cookie: sessions[1]?.cookie ?? '' }), 401, 'UNAUTHENTICATED');
  expectProblem(
    await client.send({
      method: 'POST',
      url: `${API}/sessions`,
      body: { email: 'reset@example.com', password: PASSWORD },
      token: null,
    }),
    401,
    'INVALID_CREDENTIALS',
  );
  await loginAs(client, 'reset@example.com', { password: 'a brand new password' });
});

test('sessions expire: a browser one after 12 hours, a cli one after 30 days', async () => {
  await createUserVia(client, { email: 'sleepy@example.com', role: 'viewer', password: PASSWORD });
  const web = await loginAs(client, 'sleepy@example.com', { mode: 'browser' });
  const cli = await loginAs(client, 'sleepy@example.com');
  clock.advance(12 * HOUR);
  expectProblem(await me(null, { cookie: web.cookie ?? '' }), 401, 'UNAUTHENTICATED');
  assert.equal((await me(cli.token)).status, 200);
  clock.advance(30 * 24 * HOUR - 12 * HOUR);
  expectProblem(await me(cli.token), 401, 'UNAUTHENTICATED');
});
