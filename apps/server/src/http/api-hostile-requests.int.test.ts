import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApi, type TestApi } from './test-support/api.js';
import { liveApp, tarOf, UNKNOWN_DEPLOYMENT, validRequestOf } from './test-support/fixtures.js';
import { createRejecter, show, type Rejecter, type Rejection } from './test-support/hostile.js';
import { API, type Method } from './test-support/http.js';
import { listOperations, toUrl, type Operation } from './test-support/openapi.js';

/**
 * Hostile requests as a whole: broken JSON, wrong media types, huge bodies, prototype pollution,
 * stray query parameters, bad path parameters, unknown routes and methods. Each is a 4xx problem
 * (never a 5xx), and nothing is written.
 */

let api: TestApi;
let h: Rejecter;
let deploymentId: string;
before(async () => {
  api = await startTestApi();
  h = createRejecter(api);
  deploymentId = (await liveApp(h.client, api.store, 'web', 2))[1]?.id ?? '';
});
after(() => api.close());

const operations = listOperations();
/** Routes that parse a JSON body as it comes; signed webhooks and tar uploads have tests of their own below. */
const withBody = operations.filter((op) => op.bodyKind === 'json');
const signed = operations.filter((op) => op.bodyKind === 'signed-json');
const uploads = operations.filter((op) => op.bodyKind === 'tar');
/** Path parameters that pass validation; deployments are the live one, so a route gets past its lookup. */
const paramsOf = (op: Operation): Record<string, string> => ({
  ...validRequestOf(op.operationId).params,
  ...(op.path.startsWith(`${API}/deployments/`) && { id: deploymentId }),
});
const JSON_TYPE = { 'content-type': 'application/json' };

/** One rejection per operation that takes a body, per raw body text. */
const everyBody = (
  texts: readonly string[],
  headers: Record<string, string>,
  expected: Pick<Rejection, 'status' | 'code' | 'field'>,
  label: (text: string) => string = show,
): Rejection[] =>
  withBody.flatMap((op) =>
    texts.map((text) => ({
      name: `${op.operationId} ${label(text)}`,
      method: op.method,
      url: toUrl(op, paramsOf(op)),
      raw: text,
      headers,
      ...expected,
    })),
  );

test('malformed JSON is 400 BODY_MALFORMED on every route that takes a body', (t) => {
  const texts = [
    '',
    '{',
    '{"name":',
    "{'a':1}",
    '{"a":1,}',
    'nul',
    '{"a":1}}',
    '{"a":01}',
    '{"a":"\u0000"',
    '\u0000',
    '{"a":NaN}',
  ];
  return h.rejectAll(t, everyBody(texts, JSON_TYPE, { status: 400, code: 'BODY_MALFORMED' }));
});

test('JSON that is not an object is 400 VALIDATION_FAILED', (t) => {
  const texts = ['[]', '"x"', '1', 'null', 'true', '[{"name":"a","image":"nginx"}]'];
  return h.rejectAll(
    t,
    everyBody(texts, JSON_TYPE, { status: 400, code: 'VALIDATION_FAILED', field: 'body' }),
  );
});

test('anything but JSON is 415 UNSUPPORTED_MEDIA_TYPE', (t) => {
  const types = [
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/xml',
    'text/html',
    'application/jsonp',
    'application/octet-stream',
    '',
  ];
  const body = ['{"name":"fresh","image":"nginx"}'];
  const expected = { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' } as const;
  return h.rejectAll(
    t,
    types.flatMap((type) =>
      everyBody(body, type ? { 'content-type': type } : {}, expected, () => `as ${type || 'nothing'}`),
    ),
  );
});

test('a webhook delivery without a valid signature is 401, whatever its body: it is never parsed', (t) => {
  const bodies = ['', '{', '{"__proto__":{"x":1}}', '[]', '{"ref":"refs/heads/main"}', 'x'.repeat(100_000)];
  const signatures = [
    undefined,
    '',
    'sha256=',
    `sha256=${'0'.repeat(64)}`,
    'sha1=abc',
    `sha256=${'g'.repeat(64)}`,
  ];
  assert.ok(signed.length >= 2, 'the webhooks are in the spec as signed routes');
  return h.rejectAll(
    t,
    signed.flatMap((op) =>
      bodies.flatMap((body) =>
        signatures.map((sig): Rejection => ({
          name: `${op.operationId} ${show(body.slice(0, 30))} signed ${show(sig ?? 'not at all')}`,
          method: op.method,
          url: toUrl(op, { app: 'web' }),
          raw: body,
          headers: { ...JSON_TYPE, ...(sig !== undefined && { 'x-hub-signature-256': sig }) },
          token: null,
          status: 401,
          code: 'WEBHOOK_SIGNATURE_INVALID',
        })),
      ),
    ),
  );
});

test('an upload that is not a tar archive is 415', (t) => {
  assert.ok(uploads.length >= 1, 'the upload route is in the spec with a tar body');
  const types = [
    'application/json',
    'text/plain',
    'application/octet-stream',
    'multipart/form-data; boundary=x',
  ];
  return h.rejectAll(
    t,
    uploads.flatMap((op) =>
      types.map((type): Rejection => ({
        name: `${op.operationId} as ${type}`,
        method: op.method,
        url: toUrl(op, paramsOf(op)),
        raw: '{"name":"x"}',
        headers: { 'content-type': type },
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
      })),
    ),
  );
});

test('a body over 1 MiB is 413 BODY_TOO_LARGE', (t) => {
  const huge = [2 * 1024 * 1024, 1024 * 1024].map(
    (size) => `{"name":"fresh","image":"nginx","env":{"A":"${'x'.repeat(size)}"}}`,
  );
  const expected = { status: 413, code: 'BODY_TOO_LARGE' } as const;
  return h.rejectAll(
    t,
    everyBody(huge, JSON_TYPE, expected, (text) => `with ${text.length} bytes`),
  );
});

test('prototype pollution is 400 and Object.prototype stays clean', async (t) => {
  const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();
  const payloads = [
    '{"__proto__":{"x":1}}',
    '{"name":"fresh","image":"nginx","__proto__":{"polluted":true}}',
    '{"name":"fresh","image":"nginx","env":{"__proto__":{"x":"1"}}}',
    '{"name":"fresh","image":"nginx","env":{"__proto__":"x"}}',
    '{"\\u005f\\u005fproto__":{"x":1}}',
    '{"constructor":{"prototype":{"x":1}}}',
    '{"name":"fresh","image":"nginx","health":{"constructor":{"prototype":{"polluted":true}}}}',
  ];
  const cases = everyBody(payloads, JSON_TYPE, { status: 400, code: 'BODY_MALFORMED' }, (text) => text);
  await h.rejectAll(t, cases);
  const probe: Record<string, unknown> = {};
  assert.equal(probe.x, undefined);
  assert.equal(probe.polluted, undefined);
  assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), prototypeKeys);
});

test('unknown and bad query parameters are 400 naming the parameter', (t) => {
  const query = (url: string, q: string, field: string, method: Method = 'GET'): Rejection => ({
    name: `${method} ${url}?${q}`,
    method,
    url: `${API}${url}?${q}`,
    ...(method !== 'GET' && method !== 'DELETE' && { body: {} }),
    status: 400,
    code: 'VALIDATION_FAILED',
    field,
  });
  const everyRoute = operations.map((op) => ({
    ...query('', 'debug=1', 'debug', op.method),
    name: `${op.operationId}?debug=1`,
    url: toUrl(op, paramsOf(op), 'debug=1'),
    ...(op.operationId === 'createApp' && { body: { name: 'fresh', image: 'nginx' } }),
  }));
  return h.rejectAll(t, [
    ...everyRoute,
    query('/apps', 'name=web', 'name'),
    query('/apps/web/logs', 'tail=-1', 'tail'),
    query('/apps/web/logs', 'tail=abc', 'tail'),
    query('/apps/web/logs', 'tail=10001', 'tail'),
    query('/apps/web/logs', 'tail=1.5', 'tail'),
    query('/apps/web/logs', 'tail=1&tail=2', 'tail'),
    query('/apps/web/logs', 'follow=yes', 'follow'),
    query('/apps/web/logs', 'tail=1&until=1h', 'until'),
    query('/apps/web/logs', 'since=1y', 'since'),
    query('/apps/web/logs', 'since=1h&since=2h', 'since'),
    query('/apps/web/logs', 'grep=', 'grep'),
    query(`/deployments/${UNKNOWN_DEPLOYMENT}/events`, 'follow=2', 'follow'),
    query(`/deployments/${UNKNOWN_DEPLOYMENT}/events`, 'before=3', 'before'),
    query(`/deployments/${UNKNOWN_DEPLOYMENT}/events`, 'after=-1', 'after'),
  ]);
});

test('unknown routes and wrong methods are 404 ROUTE_NOT_FOUND problems, with or without a token', (t) => {
  // `/` and the other page paths are the dashboard's (dashboard.int.test.ts).
  const paths = [
    '/api',
    '/api/v1',
    '/api/v2/apps',
    '/api/v1/nope',
    '/api/v1/apps/web/nope',
    '/api/v1/apps/web/deployments/x',
    '/.env',
    '/api/v1/../../etc/passwd',
    '/api/v1/agent',
  ];
  const wrongMethods: [Method, string][] = [
    ['PUT', '/apps'],
    ['DELETE', '/apps'],
    ['POST', '/apps/web'],
    ['PUT', '/apps/web'],
    ['GET', '/apps/web/scale'],
    ['GET', '/apps/web/rollback'],
    ['DELETE', '/apps/web/env'],
    ['POST', '/health'],
    ['DELETE', '/health'],
    ['PATCH', `/deployments/${UNKNOWN_DEPLOYMENT}`],
    ['OPTIONS', '/apps'],
  ];
  const cases: Rejection[] = [
    ...paths.map((url): Rejection => ({
      name: `GET ${url}`,
      method: 'GET',
      url,
      status: 404,
      code: 'ROUTE_NOT_FOUND',
    })),
    ...wrongMethods.map(([method, url]): Rejection => ({
      name: `${method} ${url}`,
      method,
      url: `${API}${url}`,
      status: 404,
      code: 'ROUTE_NOT_FOUND',
    })),
  ];
  return h.rejectAll(t, [
    ...cases,
    ...cases.map((c) => ({ ...c, name: `${c.name} without a token`, token: null })),
  ]);
});

test('a bad Idempotency-Key header is 400 naming it', (t) => {
  const keyed = operations.filter((op) => op.parameters.some((p) => p.name === 'idempotency-key'));
  assert.deepEqual(keyed.map((op) => op.operationId).sort(), [
    'deployApp',
    'deployUpload',
    'patchEnv',
    'patchSecrets',
    'restartApp',
    'rollbackApp',
    'scaleApp',
  ]);
  const bodyOf: Record<string, unknown> = {
    patchEnv: { set: { A: '9' } },
    patchSecrets: { set: { A: '9' } },
    scaleApp: { replicas: 2 },
  };
  return h.rejectAll(
    t,
    keyed.flatMap((op) =>
      ['a b', 'x'.repeat(129), 'ключ', 'a;b', 'a/b', ''].map((key): Rejection => ({
        name: `${op.operationId} idempotency-key=${show(key)}`,
        method: op.method,
        url: toUrl(op, paramsOf(op)),
        ...(op.bodyKind === 'tar'
          ? {
              raw: tarOf({ 'index.html': 'x' }),
              headers: { 'idempotency-key': key, 'content-type': 'application/x-tar' },
            }
          : { body: bodyOf[op.operationId] ?? {}, headers: { 'idempotency-key': key } }),
        status: 400,
        code: 'VALIDATION_FAILED',
        field: 'idempotency-key',
      })),
    ),
  );
});

test('request count', (t) => t.diagnostic(`the request suite sent ${h.client.sent} requests`));
