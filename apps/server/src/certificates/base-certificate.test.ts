import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baseWildcard } from './base-certificate.js';

test('the base domain gets a wildcard only where a CA could certify one', () => {
  assert.equal(baseWildcard('apps.example.com'), '*.apps.example.com');
  assert.equal(baseWildcard('base.example.test'), '*.base.example.test');
  // `berth up`'s default, and Berth's own internal names: nothing to order.
  assert.equal(baseWildcard('localhost'), null);
  assert.equal(baseWildcard('apps.localhost'), null);
  assert.equal(baseWildcard('berth.internal'), null);
});
