import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CustomDomainName, Domain, WildcardCustomDomainName } from './api-domains.js';

/** The canonical form is what reaches the store and the proxies: nothing else passes it. */

test('the canonical schema takes lower-case ASCII names and nothing else', () => {
  for (const name of ['example.com', 'a.b.c.example', 'xn--bcher-kva.example', '1.2.3.example', 'a-b.co']) {
    assert.ok(CustomDomainName.safeParse(name).success, name);
  }
  const refused = [
    'Example.com',
    'example.com.',
    'bücher.example',
    'localhost' /* one label */,
    '127.0.0.1',
    '-a.com',
    'a-.com',
    'ab--cd.com',
    'a..com',
    '*.example.com',
    'a.com; }',
    'a.com\n',
    `${'a'.repeat(64)}.com`,
    ['a'.repeat(63), 'b'.repeat(63), 'c'.repeat(63), 'd'.repeat(62)].join('.'),
  ];
  for (const name of refused)
    assert.equal(CustomDomainName.safeParse(name).success, false, JSON.stringify(name));
  assert.ok(WildcardCustomDomainName.safeParse('*.example.com').success);
  for (const name of ['*.*.example.com', 'a.*.com', '*a.example.com']) {
    assert.equal(WildcardCustomDomainName.safeParse(name).success, false, name);
  }
});

test('a domain as the API shows it', () => {
  const domain = {
    name: 'www.example.com',
    appName: 'web',
    kind: 'redirect',
    redirectTo: 'example.com',
    status: 'pending',
    issuer: null,
    expiresAt: null,
    lastError: null,
    createdAt: '2026-12-03T13:00:00.000Z',
  };
  assert.deepEqual(Domain.parse(domain), domain);
  assert.equal(Domain.safeParse({ ...domain, status: 'done' }).success, false);
  assert.equal(Domain.safeParse({ ...domain, redirectTo: '*.example.com' }).success, false);
});
