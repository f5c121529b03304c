// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApi, type TestApi } from './test-support/api.js';
import { liveApp } from './test-support/fixtures.js';
import { createRejecter, show, type Rejecter, type Rejection } from './test-support/hostile.js';
import { API, type Method } from './test-support/http.js';

/**
 * Hostile and wrong values in the bodies of identity, tenancy and secret requests, field by
 * field: each is a 400 VALIDATION_FAILED naming the field, and nothing is written (a refused
 * login does not even count as a failed attempt). Team, project and token names may appear in
 * hostnames and configs later; emails and roles decide who may do what.
 */

let api: TestApi;
let h: Rejecter;
before(async () => {
  api = await startTestApi();
  h = createRejecter(api);
  await liveApp(h.client, api.store, 'web', 1);
});
after(() => api.close());

const WRONG_TYPES: unknown[] = [1, null, true, ['x'], { x: 'y' }];
const BAD_LABELS: unknown[] = [
  '',
  'A',
  'a b',
  '../x',
  'a;id',
  '$(id)',
  'a`id`',
  'a|b',
  'a&&b',
  'a\nb',
  '{a}',
  'a\u0000',
  'аpp', // Cyrillic а
  'ａpp', // fullwidth a
  'a\u200db',
  '\u202eab',
  'a'.repeat(33),
  'a--b',
  ...WRONG_TYPES,
];
const BAD_TOKEN_NAMES: unknown[] = [
  '',
  'A',
  '-a',
  'a-',
  'a b',
  'a;b',
  '$(id)',
  'a\nb',
  'a'.repeat(65),
  ...WRONG_TYPES,
];
const BAD_EMAILS: unknown[] = [
  '',
  'nobody',
  'a b@example.com',
  'a;id@example.com',
  'a$(id)@example.com',
  'a@example.com;id',
  'a@example.com\n',
  'a@exa{mple}.com',
  'а@example.com', // Cyrillic а
  'a@ｅxample.com', // fullwidth e
  `${'a'.repeat(65)}@example.com`,
  `a@${'b'.repeat(250)}.com`,
  ...WRONG_TYPES,
];
const BAD_ROLES: unknown[] = ['', 'root', 'Owner', 'admin ', 'superuser', ...WRONG_TYPES];
const BAD_NEW_PASSWORDS: unknown[] = ['', 'short', 'x'.repeat(1025), ...WRONG_TYPES];
const BAD_ENV_KEYS = ['', 'A B', '1A', 'A=B', 'A;B', '$(id)', 'A\nB', 'Ä', 'A'.repeat(129)];

const field = (
  method: Method,
  url: string,
  name: string,
  base: Record<string, unknown>,
  values: readonly unknown[],
): Rejection[] =>
  values.map((value) => ({
    name: `${method} ${url} ${name}=${show(value)}`,
    method,
    url: `${API}${url}`,
    body: { ...base, [name]: value },
    status: 400,
    code: 'VALIDATION_FAILED',
    field: name,
    ...(url === '/sessions' || url === '/password' ? { token: null } : {}),
  }));

const USER = { email: 'new@example.com', role: 'viewer' };
const TOKEN = { name: 'new', role: 'viewer' };
const LOGIN = { email: 'nobody@example.com', password: 'not the password' };
const SET = { token: 'bot_unknown', password: 'a long enough password' };

test('users', (t) =>
  h.rejectAll(t, [
    ...field('POST', '/users', 'email', USER, BAD_EMAILS),
    ...field('POST', '/users', 'role', USER, BAD_ROLES),
    ...field('POST', '/users', 'team', USER, BAD_LABELS),
    ...field('POST', '/users', 'password', USER, BAD_NEW_PASSWORDS),
    ...field('PUT', '/users/nobody@example.com/memberships/default', 'role', {}, BAD_ROLES),
  ]));

test('tokens, teams and projects', (t) =>
  h.rejectAll(t, [
    ...field('POST', '/tokens', 'name', TOKEN, BAD_TOKEN_NAMES),
    ...field('POST', '/tokens', 'role', TOKEN, BAD_ROLES),
    ...field('POST', '/tokens', 'team', TOKEN, BAD_LABELS),
    ...field('POST', '/tokens', 'expiresInDays', TOKEN, [0, -1, 1.5, 3651, '30', null, true, [30]]),
    ...field('POST', '/teams', 'name', {}, BAD_LABELS),
    ...field('POST', '/projects', 'name', {}, BAD_LABELS),
    ...field('POST', '/projects', 'team', { name: 'p' }, BAD_LABELS),
  ]));

test('login and setting a password', (t) =>
  h.rejectAll(t, [
    ...field('POST', '/sessions', 'email', LOGIN, BAD_EMAILS),
    ...field('POST', '/sessions', 'password', LOGIN, ['', 'x'.repeat(1025), ...WRONG_TYPES]),
    ...field('POST', '/sessions', 'mode', LOGIN, ['', 'cookie', 'CLI', ...WRONG_TYPES]),
    ...field('POST', '/password', 'token', SET, ['', 'x'.repeat(201), ...WRONG_TYPES]),
    ...field('POST', '/password', 'password', SET, BAD_NEW_PASSWORDS),
  ]));

test('secrets: names are env keys, values strings without NUL', (t) =>
  h.rejectAll(t, [
    ...field(
      'PATCH',
      '/apps/web/secrets',
      'set',
      {},
      BAD_ENV_KEYS.map((k) => ({ [k]: 'v' })),
    ),
    ...field('PATCH', '/apps/web/secrets', 'set', {}, [
      { A: 'a\u0000b' },
      { A: 'x'.repeat(32 * 1024 + 1) },
      { A: 1 },
      { A: null },
      { A: ['v'] },
      'A=1',
      null,
    ]),
    ...field('PATCH', '/apps/web/secrets', 'unset', {}, [
      ...BAD_ENV_KEYS.map((k) => [k]),
      'A',
      [1],
      Array(257).fill('A'),
    ]),
    ...[{}, { set: {} }, { unset: [] }].map((body): Rejection => ({
      name: `PATCH /apps/web/secrets ${show(body)}`,
      method: 'PATCH',
      url: `${API}/apps/web/secrets`,
      body,
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'body',
    })),
  ]));

test('unknown fields are named and refused', (t) =>
  h.rejectAll(
    t,
    (
      [
        ['POST', '/users', { ...USER, admin: true }, 'admin'],
        ['POST', '/tokens', { ...TOKEN, hash: 'x' }, 'hash'],
        ['POST', '/teams', { name: 't', owner: 'me' }, 'owner'],
        ['POST', '/projects', { name: 'p', app: 'web' }, 'app'],
        ['POST', '/sessions', { ...LOGIN, remember: true }, 'remember'],
        ['POST', '/password', { ...SET, email: 'a@example.com' }, 'email'],
        ['PUT', '/users/nobody@example.com/memberships/default', { role: 'viewer', team: 'x' }, 'team'],
        ['PATCH', '/apps/web/secrets', { set: { A: '1' }, values: true }, 'values'],
      ] as const
    ).map(([method, url, body, name]): Rejection => ({
      name: `${method} ${url} with unknown field ${name}`,
      method,
      url: `${API}${url}`,
      body,
      status: 400,
      code: 'VALIDATION_FAILED',
      field: name,
      ...(url === '/sessions' || url === '/password' ? { token: null } : {}),
    })),
  ));

test('a login refused as malformed is not counted as a failed attempt', () => {
  assert.equal(api.db.counts().login_failures, 0);
});

test('request count', (t) => t.diagnostic(`the identity body suite sent ${h.client.sent} requests`));
