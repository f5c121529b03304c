import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StreamSlots } from './stream-slots.js';

test('a principal gets its limit of slots, then a refusal that says how many are open', () => {
  const slots = new StreamSlots({ perPrincipal: 2, total: 10 });
  assert.equal(slots.tryAcquire('token:a').granted, true);
  assert.equal(slots.tryAcquire('token:a').granted, true);
  assert.deepEqual(slots.tryAcquire('token:a'), { granted: false, scope: 'principal', open: 2, limit: 2 });
  assert.equal(slots.tryAcquire('token:b').granted, true, 'another principal is not affected');
});

test('the total is a backstop across principals', () => {
  const slots = new StreamSlots({ perPrincipal: 5, total: 3 });
  for (const p of ['a', 'b', 'c']) assert.equal(slots.tryAcquire(`user:${p}`).granted, true);
  assert.deepEqual(slots.tryAcquire('user:d'), { granted: false, scope: 'total', open: 3, limit: 3 });
});

test('a released slot can be taken again; releasing twice frees one slot only', () => {
  const slots = new StreamSlots({ perPrincipal: 1, total: 2 });
  const first = slots.tryAcquire('token:a');
  assert.ok(first.granted);
  assert.equal(slots.tryAcquire('token:a').granted, false);
  first.release();
  first.release();
  assert.equal(slots.open, 0);
  assert.equal(slots.openFor('token:a'), 0);
  const again = slots.tryAcquire('token:a');
  assert.ok(again.granted);
  assert.equal(slots.tryAcquire('token:b').granted, true);
  assert.equal(slots.tryAcquire('token:c').granted, false, 'the double release did not free a second slot');
});
