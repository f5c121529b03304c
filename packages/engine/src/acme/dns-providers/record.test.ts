import assert from 'node:assert/strict';
import { test } from 'node:test';
import { selfAndAncestors, toTxtRecord } from './record.js';

test('a DNS-01 record: lower-cased LDH names with a leading _label, base64url values only', () => {
  const value = 'LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0';
  assert.deepEqual(toTxtRecord('_acme-challenge.WWW.Example.com', value), {
    fqdn: '_acme-challenge.www.example.com',
    value,
  });
  for (const fqdn of [
    'example',
    '_acme-challenge.example.com.',
    '_acme-challenge.exa mple.com',
    '_acme-challenge.example.com\n',
    '_acme-challenge.-a.com',
    'a._b.com',
    '_acme-challenge.example.com;rm',
    `_acme-challenge.${'a'.repeat(64)}.com`,
    '*.example.com',
    `_${'a'.repeat(63)}.example.com`,
  ])
    assert.throws(() => toTxtRecord(fqdn, value), { code: 'VALIDATION_FAILED' }, JSON.stringify(fqdn));
  for (const bad of ['', 'a b', '"quoted"', 'a\\b', 'ab+c/d=', 'x'.repeat(256)])
    assert.throws(() => toTxtRecord('_acme-challenge.example.com', bad), { code: 'VALIDATION_FAILED' }, bad);
});

test('a name and its ancestors, nearest first', () => {
  assert.deepEqual(selfAndAncestors('_acme-challenge.a.example.com'), [
    '_acme-challenge.a.example.com',
    'a.example.com',
    'example.com',
    'com',
  ]);
});
