import { after, before, test } from 'node:test';
import { startTestApi, type TestApi } from './test-support/api.js';
import { liveApp } from './test-support/fixtures.js';
import { createRejecter, show, type Rejecter, type Rejection } from './test-support/hostile.js';
import { API, type Method } from './test-support/http.js';

/**
 * Hostile and wrong values in request bodies, field by field: each is a 400 VALIDATION_FAILED
 * naming the field, and nothing is written. These values end up in container names, DNS names,
 * proxy configs and argv arrays; the patterns at the boundary are what keeps them harmless.
 */

let api: TestApi;
let h: Rejecter;
before(async () => {
  api = await startTestApi();
  h = createRejecter(api);
  // A deployed app with history, so a request that slipped through would have something to change.
  await liveApp(h.client, api.store, 'web', 2);
});
after(() => api.close());

const BAD_NAMES = [
  '../x',
  'a/b',
  'a b',
  'A',
  'Web',
  '-a',
  'a-',
  'a--b',
  'a'.repeat(33),
  '1abc',
  'a.b',
  'a_b',
  'wеb', // Cyrillic е
  'аpp', // Cyrillic а
  'ａpp', // fullwidth a
  'web\u200b', // zero-width space
  'a;b',
  'a$(id)',
  '$(id)',
  'a`id`',
  'a\nb',
  'a\rb',
  'a\tb',
  'a\u0000b',
  'a{b}',
  '{a}',
  'a|b',
  "a'b",
  'a"b',
  'a*',
];
const BAD_ENV_KEYS = [
  'A=B',
  'A B',
  '1A',
  '',
  'A-B',
  'Ä',
  'A.B',
  'A\nB',
  'A'.repeat(129),
  '$(id)',
  'A;B',
  'A\u0000',
];
const BAD_ENV_VALUES: unknown[] = ['a\u0000b', 'x'.repeat(32 * 1024 + 1), 1, null, true, {}, ['a']];
const BAD_IMAGES: unknown[] = [
  'nginx latest',
  'nginx;rm -rf /',
  'nginx && id',
  'Docker.io/library/nginx',
  'GHCR.IO/acme/api:1',
  '../etc/passwd',
  'nginx/../../x',
  'a'.repeat(256),
  `registry.example.com/${'a'.repeat(240)}:1`,
  '',
  'nginx:1$(id)',
  'nginx`id`',
  'nginx\n',
  'nginx:',
  ':latest',
  'nginx@sha256:abc',
  '-nginx',
  'http://registry/x',
  'nginx:tag tag',
  'nginx:{x}',
  1,
  null,
  ['nginx'],
];
const BAD_HEALTH_PATHS = [
  'healthz',
  '/health z',
  '/h\nx',
  '/{x}',
  '',
  'http://evil/x',
  '/x#f',
  '/x?a=<b>',
  `/${'a'.repeat(256)}`,
  '/$(id)',
];
const BAD_HEALTH: unknown[] = [
  { x: 1 },
  { path: '/', extra: true },
  { type: 'exec' },
  { intervalMs: 99 },
  { intervalMs: 1.5 },
  { timeoutMs: '1000' },
  { probeTimeoutMs: 60_001 },
  'http',
  [],
  null,
  ...BAD_HEALTH_PATHS.map((path) => ({ path })),
];
const BAD_PORTS: unknown[] = [0, 65536, 1.5, '80', -1, null, true, 1e10, [80]];
const BAD_REPLICAS: unknown[] = [-1, 65, '2', 1.5, null, true, [1]];
const BAD_COMMANDS: unknown[] = [
  'node server.js',
  [],
  [''],
  ['a\u0000'],
  Array(65).fill('x'),
  [1],
  [null],
  ['x'.repeat(4097)],
];

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
  }));

const NEW = { name: 'fresh', image: 'nginx:1.27' };

test('app names', (t) =>
  h.rejectAll(t, [
    ...field('POST', '/apps', 'name', NEW, [...BAD_NAMES, '', 1, null, ['web'], { n: 'web' }]),
  ]));

test('env keys and values', (t) =>
  h.rejectAll(t, [
    ...field(
      'POST',
      '/apps',
      'env',
      NEW,
      BAD_ENV_KEYS.map((k) => ({ [k]: 'v' })),
    ),
    ...field(
      'POST',
      '/apps',
      'env',
      NEW,
      BAD_ENV_VALUES.map((v) => ({ A: v })),
    ),
    ...field('POST', '/apps', 'env', NEW, ['A=1', ['A=1'], 1, null]),
    ...field(
      'PATCH',
      '/apps/web/env',
      'set',
      {},
      BAD_ENV_KEYS.map((k) => ({ [k]: 'v' })),
    ),
    ...field(
      'PATCH',
      '/apps/web/env',
      'set',
      {},
      BAD_ENV_VALUES.map((v) => ({ A: v })),
    ),
    ...field('PATCH', '/apps/web/env', 'set', {}, ['A=1', ['A=1'], null]),
    ...field(
      'PATCH',
      '/apps/web/env',
      'unset',
      {},
      BAD_ENV_KEYS.map((k) => [k]),
    ),
    ...field('PATCH', '/apps/web/env', 'unset', {}, ['A', [1], { A: true }, Array(257).fill('A')]),
    ...field('POST', '/apps', 'env', NEW, [
      Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`K${i}`, '1'])),
    ]),
  ]));

test('image references', (t) =>
  h.rejectAll(t, [
    ...field('POST', '/apps', 'image', NEW, BAD_IMAGES),
    ...field('PATCH', '/apps/web', 'image', {}, BAD_IMAGES),
    ...field('POST', '/apps/web/deployments', 'image', {}, BAD_IMAGES),
  ]));

test('health checks', (t) =>
  h.rejectAll(t, [
    ...field('POST', '/apps', 'health', NEW, BAD_HEALTH),
    ...field('PATCH', '/apps/web', 'health', {}, BAD_HEALTH),
  ]));

test('ports, replicas, commands and versions', (t) =>
  h.rejectAll(t, [
    ...field('POST', '/apps', 'port', NEW, BAD_PORTS),
    ...field('PATCH', '/apps/web', 'port', {}, BAD_PORTS),
    ...field('POST', '/apps', 'replicas', NEW, BAD_REPLICAS),
    ...field('POST', '/apps/web/scale', 'replicas', {}, [...BAD_REPLICAS, undefined]),
    ...field('POST', '/apps', 'command', NEW, BAD_COMMANDS),
    ...field('PATCH', '/apps/web', 'command', {}, BAD_COMMANDS),
    ...field('POST', '/apps/web/rollback', 'toVersion', {}, [0, -1, 1.5, '1', null, true, [1]]),
  ]));

const unknown = (method: Method, url: string, body: Record<string, unknown>, name: string): Rejection => ({
  name: `${method} ${url} with unknown field ${name}`,
  method,
  url: `${API}${url}`,
  body,
  status: 400,
  code: 'VALIDATION_FAILED',
  field: name,
});

test('unknown fields, top level and nested, are named and refused', (t) =>
  h.rejectAll(t, [
    unknown('POST', '/apps', { ...NEW, extra: 1 }, 'extra'),
    unknown('POST', '/apps', { ...NEW, Name: 'x' }, 'Name'),
    unknown('POST', '/apps', { ...NEW, health: { path: '/', probe: 'x' } }, 'probe'),
    unknown('PATCH', '/apps/web', { replicas: 2 }, 'replicas'),
    unknown('PATCH', '/apps/web', { env: { A: '1' } }, 'env'),
    unknown('PATCH', '/apps/web', { name: 'other' }, 'name'),
    unknown('PATCH', '/apps/web', { health: { type: 'http', script: 'curl' } }, 'script'),
    unknown('POST', '/apps/web/deployments', { force: true }, 'force'),
    unknown('POST', '/apps/web/rollback', { to: 1 }, 'to'),
    unknown('PATCH', '/apps/web/env', { set: { A: '1' }, replace: true }, 'replace'),
    unknown('POST', '/apps/web/scale', { replicas: 1, now: true }, 'now'),
  ]));

test('required fields and empty changes', (t) => {
  const missing = (body: Record<string, unknown>, name: string): Rejection => ({
    ...unknown('POST', '/apps', body, name),
    name: `POST /apps without ${name}`,
  });
  const empty = (body: unknown): Rejection => ({
    name: `PATCH /apps/web/env ${show(body)}`,
    method: 'PATCH',
    url: `${API}/apps/web/env`,
    body,
    status: 400,
    code: 'VALIDATION_FAILED',
    field: 'body',
  });
  return h.rejectAll(t, [
    missing({ image: 'nginx' }, 'name'),
    // Image and git are both optional (an app may deploy from uploads only), but not both given.
    {
      ...missing({ name: 'fresh', image: 'nginx', git: { url: 'https://git.example.com/a.git' } }, 'git'),
      name: 'POST /apps with image and git',
    },
    {
      ...missing(
        {
          name: 'fresh',
          git: {
            url: 'https://git.example.com/a.git',
            ref: { kind: 'branch', name: '--upload-pack=touch /tmp/x' },
          },
        },
        'git.ref.name',
      ),
      name: 'POST /apps with a branch that is an option',
    },
    {
      ...missing({ name: 'fresh', git: { url: 'file:///srv/a;touch /tmp/x' } }, 'git.url'),
      name: 'POST /apps with ; in the URL',
    },
    {
      ...missing({ name: 'fresh', git: { url: 'ext::sh -c touch% /tmp/x' } }, 'git.url'),
      name: 'POST /apps with the ext:: transport',
    },
    {
      ...missing({ name: 'fresh', git: { url: 'https://user:tok@git.example.com/a.git' } }, 'git.url'),
      name: 'POST /apps with a token in the URL',
    },
    {
      ...missing({ name: 'fresh', git: { url: '-uhttps://x/a.git' } }, 'git.url'),
      name: 'POST /apps with a URL that is an option',
    },
    empty({}),
    empty({ set: {} }),
    empty({ unset: [] }),
    empty({ set: {}, unset: [] }),
  ]);
});

test('request count', (t) => t.diagnostic(`the body suite sent ${h.client.sent} requests`));
