import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isDeployImage } from './change-input.js';
import { EMPTY_NEW_APP, isAppName, parseNewApp, sameInput, type NewAppInput } from './new-app.js';

const form = (change: Partial<NewAppInput>): NewAppInput => ({
  ...EMPTY_NEW_APP,
  name: 'first',
  image: 'localhost/hello:1',
  ...change,
});

test('a filled form becomes the request: trimmed, the port a number, no health unless given', () => {
  assert.deepEqual(parseNewApp(form({ name: ' first ', image: ' nginx:1.27 ' })), {
    ok: true,
    value: { name: 'first', image: 'nginx:1.27', port: 8080 },
  });
  assert.deepEqual(parseNewApp(form({ port: '3000', health: ' /healthz?deep=1 ' })), {
    ok: true,
    value: { name: 'first', image: 'localhost/hello:1', port: 3000, health: { path: '/healthz?deep=1' } },
  });
});

test('the port defaults to what berth apps create uses', () => {
  assert.equal(EMPTY_NEW_APP.port, '8080');
});

test('app names follow berthd: a DNS label of at most 32, no double hyphen', () => {
  for (const good of ['a', 'first', 'web-2', 'a'.repeat(32)]) assert.equal(isAppName(good), true, good);
  for (const bad of ['', 'Bad Name!', 'Web', '2web', 'web-', 'we--b', 'a'.repeat(33), 'web_1'])
    assert.equal(isAppName(bad), false, bad);
});

test('the first wrong field is named, in the order the form shows them', () => {
  const wrong = (input: NewAppInput): string | null => {
    const parsed = parseNewApp(input);
    return parsed.ok ? null : parsed.field;
  };
  assert.equal(wrong(form({ name: 'Bad Name!', image: '' })), 'name');
  assert.equal(wrong(form({ name: '' })), 'name');
  assert.equal(wrong(form({ image: '', port: 'x' })), 'image');
  assert.equal(wrong(form({ image: 'nginx latest' })), 'image');
  for (const port of ['', '0', '65536', '80.5', '-1', 'http', '123456'])
    assert.equal(wrong(form({ port })), 'port', port);
  for (const health of ['healthz', '/a b', '/<script>', `/${'a'.repeat(256)}`])
    assert.equal(wrong(form({ health })), 'health', health);
  assert.equal(wrong(form({ port: '65535', health: '/' })), null);
});

test('the message says what a name may be', () => {
  const parsed = parseNewApp(form({ name: 'Bad Name!' }));
  assert.equal(parsed.ok, false);
  assert.match(parsed.ok ? '' : parsed.error, /^Bad Name! is not an app name\. Lower-case letters/);
});

test('images are references, never image ids', () => {
  for (const good of [
    'nginx',
    'nginx:1.27',
    'localhost/hello:1',
    'registry.example.com:5000/team/api:v2',
    `ghcr.io/acme/api@sha256:${'a'.repeat(64)}`,
  ])
    assert.equal(isDeployImage(good), true, good);
  for (const bad of [
    'Nginx',
    `sha256:${'a'.repeat(64)}`,
    'abc123',
    'nginx:',
    'a b',
    `${'a'.repeat(250)}:12345678`,
  ])
    assert.equal(isDeployImage(bad), false, bad);
});

test('the form is the same only when every field is as sent', () => {
  assert.equal(sameInput(form({}), form({})), true);
  assert.equal(sameInput(form({}), form({ name: 'second' })), false);
  assert.equal(sameInput(form({}), form({ health: '/' })), false);
});
