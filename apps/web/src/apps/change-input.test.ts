import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isVariableName, parseAssignment, parseImage, parseReplicas, parseSecret } from './change-input.js';

test('NAME=value splits at the first =, keeps the value as typed, and checks the name', () => {
  assert.deepEqual(parseAssignment('DATABASE_URL=postgres://a@b/c?x=1'), {
    ok: true,
    value: { name: 'DATABASE_URL', value: 'postgres://a@b/c?x=1' },
  });
  assert.deepEqual(parseAssignment(' DEBUG = 1'), { ok: true, value: { name: 'DEBUG', value: ' 1' } });
  assert.deepEqual(parseAssignment('EMPTY='), { ok: true, value: { name: 'EMPTY', value: '' } });
  assert.equal(parseAssignment('DEBUG').ok, false);
  assert.equal(parseAssignment('=1').ok, false);
  assert.equal(parseAssignment('1ABC=x').ok, false);
  assert.equal(parseAssignment('MY-VAR=x').ok, false);
  assert.equal(parseAssignment(`LONG=${'x'.repeat(32_769)}`).ok, false);
});

test('variable and secret names follow berthd pattern', () => {
  assert.equal(isVariableName('_private'), true);
  assert.equal(isVariableName('a'.repeat(128)), true);
  assert.equal(isVariableName('a'.repeat(129)), false);
  assert.equal(isVariableName('A B'), false);
  assert.deepEqual(parseSecret(' API_KEY ', ' s3cret '), {
    ok: true,
    value: { name: 'API_KEY', value: ' s3cret ' },
  });
  assert.equal(parseSecret('API_KEY', '').ok, false);
  assert.equal(parseSecret('api-key', 'x').ok, false);
});

test('replicas are a whole number from 0 to 64', () => {
  assert.deepEqual(parseReplicas('0'), { ok: true, value: 0 });
  assert.deepEqual(parseReplicas(' 64 '), { ok: true, value: 64 });
  for (const bad of ['', '65', '-1', '1.5', '1e1', 'two', '0x2'])
    assert.equal(parseReplicas(bad).ok, false, bad);
});

test('an empty image is a redeploy; an image has no spaces', () => {
  assert.deepEqual(parseImage('  '), { ok: true, value: null });
  assert.deepEqual(parseImage(' ghcr.io/acme/web:2 '), { ok: true, value: 'ghcr.io/acme/web:2' });
  assert.equal(parseImage('web 2').ok, false);
  assert.equal(parseImage('a'.repeat(256)).ok, false);
});
