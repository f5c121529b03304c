// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, test } from 'node:test';
import { createTestClock, startTestApi, type TestApi } from './test-support/api.js';
import {
  API,
  createClient,
  expectProblem,
  type Client,
  type ProblemBody,
  type Res,
} from './test-support/http.js';
import { createUserVia, loginAs, PASSWORD } from './test-support/principals.js';

/**
 * Logging in: throttling per account and per address, and answers that never tell an unknown
 * email from a wrong password. The clock is berthd's own, moved by hand, so windows pass at once.
 */

const clock = createTestClock();
let api: TestApi;
let client: Client;
before(async () => {
  api = await startTestApi({ clock: clock.now });
  client = createClient(api);
});
after(() => api.close());

const MINUTE = 60_000;
const attempt = (email: string, password: string, remoteAddress: string): Promise<Res> =>
  client.send({
    method: 'POST',
    url: `${API}/sessions`,
    body: { email, password },
    token: null,
    remoteAddress,
  });
/** What a person or a script could compare between two answers. */
const visible = (p: ProblemBody) => ({
  status: p.status,
  code: p.code,
  title: p.title,
  detail: p.detail,
  hint: p.hint,
});

test('a wrong password and an unknown email get the same answer', async () => {
  await createUserVia(client, { email: 'ada@example.com', role: 'viewer', password: PASSWORD });
  const wrong = expectProblem(
    await attempt('ada@example.com', 'not her password', '10.0.0.1'),
    401,
    'INVALID_CREDENTIALS',
  );
  const unknown = expectProblem(
    await attempt('nobody@example.com', PASSWORD, '10.0.0.1'),
    401,
    'INVALID_CREDENTIALS',
  );
  const noPassword = await createUserVia(client, { email: 'pending@example.com', role: 'viewer' });
  const pending = expectProblem(
    await attempt(noPassword.email, PASSWORD, '10.0.0.1'),
    401,
    'INVALID_CREDENTIALS',
  );
  assert.deepEqual(visible(unknown), visible(wrong));
  assert.deepEqual(
    visible(pending),
    visible(wrong),
    'a user who has not set a password yet is not told apart',
  );
  assert.doesNotMatch(wrong.detail, /ada@example\.com|unknown|no user|not found/i);
});

test('an unknown email costs what a wrong password costs (it is checked against a dummy hash)', async () => {
  const timed = async (email: string): Promise<number> => {
    let best = Infinity;
    for (let i = 0; i < 3; i += 1) {
      const started = performance.now();
      expectProblem(await attempt(email, 'wrong password', `10.0.2.${i}`), 401, 'INVALID_CREDENTIALS');
      best = Math.min(best, performance.now() - started);
    }
    return best;
  };
  await createUserVia(client, { email: 'timed@example.com', role: 'viewer', password: PASSWORD });
  const known = await timed('timed@example.com');
  const unknown = await timed('nobody-timed@example.com');
  // An argon2id verification takes tens of milliseconds; skipping it would be ~100 times faster.
  assert.ok(
    unknown > known / 3 && known > unknown / 3,
    `known ${known.toFixed(1)} ms, unknown ${unknown.toFixed(1)} ms`,
  );
});

test('five failures lock the account for 15 minutes, from any address and even with the right password', async () => {
  await createUserVia(client, { email: 'locked@example.com', role: 'viewer', password: PASSWORD });
  for (let i = 1; i <= 5; i += 1) {
    expectProblem(await attempt('locked@example.com', `guess ${i}`, '10.0.3.1'), 401, 'INVALID_CREDENTIALS');
  }
  const before = api.db.take();
  const locked = expectProblem(
    await attempt('locked@example.com', PASSWORD, '10.0.3.1'),
    429,
    'RATE_LIMITED',
  );
  expectProblem(await attempt('locked@example.com', PASSWORD, '10.0.3.2'), 429, 'RATE_LIMITED');
  assert.deepEqual(api.db.take(), before, 'no session was created');
  assert.match(locked.detail, /try again in 15 minute/);

  // An unknown account locks the same way, with the same words: the lock does not reveal it either.
  for (let i = 1; i <= 5; i += 1) {
    expectProblem(await attempt('ghost@example.com', `guess ${i}`, '10.0.3.3'), 401, 'INVALID_CREDENTIALS');
  }
  const ghost = expectProblem(await attempt('ghost@example.com', PASSWORD, '10.0.3.3'), 429, 'RATE_LIMITED');
  assert.deepEqual(visible(ghost), visible(locked));

  clock.advance(14 * MINUTE);
  expectProblem(await attempt('locked@example.com', PASSWORD, '10.0.3.1'), 429, 'RATE_LIMITED');
  clock.advance(MINUTE + 1);
  await loginAs(client, 'locked@example.com', { remoteAddress: '10.0.3.1' });
});

test('a successful login clears the account count: four failures, a success, four more are not a lock', async () => {
  await createUserVia(client, { email: 'clumsy@example.com', role: 'viewer', password: PASSWORD });
  for (let round = 0; round < 2; round += 1) {
    for (let i = 1; i <= 4; i += 1) {
      expectProblem(
        await attempt('clumsy@example.com', `typo ${i}`, `10.0.4.${round}`),
        401,
        'INVALID_CREDENTIALS',
      );
    }
    await loginAs(client, 'clumsy@example.com', { remoteAddress: `10.0.4.${round}` });
  }
});

test('twenty failures from one address lock that address, for every account; other addresses still log in', async () => {
  await createUserVia(client, { email: 'grace@example.com', role: 'viewer', password: PASSWORD });
  for (let i = 0; i < 20; i += 1) {
    expectProblem(
      await attempt(`probe-${i}@example.com`, 'password1', '10.0.5.1'),
      401,
      'INVALID_CREDENTIALS',
    );
  }
  expectProblem(await attempt('grace@example.com', PASSWORD, '10.0.5.1'), 429, 'RATE_LIMITED');
  await loginAs(client, 'grace@example.com', { remoteAddress: '10.0.5.2' });
  clock.advance(15 * MINUTE + 1);
  await loginAs(client, 'grace@example.com', { remoteAddress: '10.0.5.1' });
});

test('every failed and refused login is in the audit log as denied, never with the password', async () => {
  const rows = await api.store.audit.list({ afterSeq: 0, limit: 1000 });
  const logins = rows.filter((r) => r.action === 'login');
  assert.ok(logins.filter((r) => r.outcome === 'denied').length >= 40, 'failures and locks are denied rows');
  assert.ok(logins.some((r) => r.outcome === 'ok' && r.actorName === 'grace@example.com'));
  for (const r of logins.filter((row) => row.outcome === 'denied')) {
    assert.equal(r.actorKind, 'anonymous');
    assert.ok(!JSON.stringify(r).includes(PASSWORD), 'never a password');
  }
});
