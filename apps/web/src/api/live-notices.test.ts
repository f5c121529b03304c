import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  concerns,
  eventStreamPath,
  isReadOnce,
  parseEventMessage,
  reconnectDelay,
  type Notice,
} from './live-notices.js';

/** Query keys as the pages make them (api/queries.ts, team-queries.ts, audit-queries.ts). */
const KEYS = {
  apps: ['apps'],
  web: ['apps', 'web'],
  webDeployments: ['apps', 'web', 'deployments'],
  webReleases: ['apps', 'web', 'releases'],
  webSecrets: ['apps', 'web', 'secrets'],
  webBuilds: ['apps', 'web', 'builds'],
  webBuild3: ['apps', 'web', 'builds', 3, 'log'],
  webBuild4: ['apps', 'web', 'builds', 4, 'log'],
  webDomains: ['apps', 'web', 'domains'],
  webWebhook: ['apps', 'web', 'webhook'],
  api: ['apps', 'api'],
  apiDeployments: ['apps', 'api', 'deployments'],
  me: ['me'],
  teams: ['teams'],
  tokens: ['tokens', 'default'],
  users: ['users'],
  invitations: ['invitations', 'default'],
  mine: ['my-invitations'],
  projects: ['projects', 'default'],
  auditRows: ['audit', 'rows', 'actor=ada'],
  auditVerification: ['audit', 'verification'],
} as const;
type Name = keyof typeof KEYS;

const concerned = (notice: Notice): Name[] =>
  (Object.keys(KEYS) as Name[]).filter((name) => concerns(notice, KEYS[name]));

test('an app notice reads again the list and everything of that app, but not its webhook or another app', () => {
  assert.deepEqual(concerned({ kind: 'app', app: 'web' }), [
    'apps',
    'web',
    'webDeployments',
    'webReleases',
    'webSecrets',
    'webBuilds',
    'webBuild3',
    'webBuild4',
    'webDomains',
  ]);
});

test('a deployment notice reads again the list, the app and its deployments', () => {
  assert.deepEqual(concerned({ kind: 'deployment', app: 'web', deployment: 'dep_aaaaaaaaaaaaaaaaaaaa' }), [
    'apps',
    'web',
    'webDeployments',
  ]);
});

test('replicas: the list and the app; a build: its builds; a build log: only that build', () => {
  assert.deepEqual(concerned({ kind: 'replicas', app: 'api' }), ['apps', 'api']);
  const build = { app: 'web', build: 'bld_aaaaaaaaaaaaaaaaaaaa', number: 3 };
  assert.deepEqual(concerned({ kind: 'build', ...build }), ['webBuilds', 'webBuild3', 'webBuild4']);
  assert.deepEqual(concerned({ kind: 'build-log', ...build }), ['webBuild3']);
});

test('an audit notice reads again the audit rows and what a team page lists, not the chain check', () => {
  assert.deepEqual(concerned({ kind: 'audit' }), [
    'me',
    'teams',
    'tokens',
    'users',
    'invitations',
    'mine',
    'projects',
    'auditRows',
  ]);
});

test('the webhook is read once a page: never again by a notice or a reconnect', () => {
  assert.equal(isReadOnce(KEYS.webWebhook), true);
  assert.equal(isReadOnce(KEYS.web), false);
  assert.equal(isReadOnce(['webhook']), false);
});

test('messages are checked: known ones typed, unknown or broken ones left out', () => {
  assert.deepEqual(parseEventMessage('{"kind":"ready","team":"default"}'), {
    kind: 'ready',
    team: 'default',
  });
  assert.deepEqual(parseEventMessage('{"kind":"app","app":"web"}'), { kind: 'app', app: 'web' });
  assert.deepEqual(parseEventMessage('{"kind":"end","reason":"unauthenticated"}'), {
    kind: 'end',
    reason: 'unauthenticated',
  });
  assert.deepEqual(parseEventMessage('{"kind":"build-log","app":"web","build":"bld_x","number":2}'), {
    kind: 'build-log',
    app: 'web',
    build: 'bld_x',
    number: 2,
  });
  for (const data of [
    'not json',
    '[]',
    'null',
    '{"kind":"app"}',
    '{"kind":"app","app":7}',
    '{"kind":"end","reason":"bored"}',
    '{"kind":"build","app":"web","build":"bld_x","number":0}',
    '{"kind":"deployment","app":"web"}',
    '{"kind":"weather","app":"web"}',
  ])
    assert.equal(parseEventMessage(data), null, data);
});

test('reconnects wait 1 s doubling to 30 s, each between half and all of its ceiling', () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6, 20].map((n) => reconnectDelay(n, () => 1)),
    [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000],
  );
  assert.equal(
    reconnectDelay(0, () => 0),
    500,
  );
  assert.equal(
    reconnectDelay(9, () => 0),
    15_000,
  );
});

test("the stream's address names the team, escaped; without one, berthd's default", () => {
  assert.equal(eventStreamPath('/api/v1', 'default'), '/api/v1/events?team=default');
  assert.equal(eventStreamPath('/api/v1', 'a&b'), '/api/v1/events?team=a%26b');
  assert.equal(eventStreamPath('/api/v1', null), '/api/v1/events');
});
