import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closestName, editDistance } from './did-you-mean.js';

test('a swap of neighbours is one edit', () => {
  assert.equal(editDistance('wbe', 'web'), 1);
  assert.equal(editDistance('web', 'web'), 0);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('api', 'apis'), 1);
});

test('the closest visible name that reads as a typo', () => {
  const names = ['web', 'worker', 'api', 'docs'];
  assert.equal(closestName('wbe', names), 'web');
  assert.equal(closestName('we', names), 'web');
  assert.equal(closestName('WEB', ['web']), 'web');
  assert.equal(closestName('wroker', names), 'worker');
  assert.equal(closestName('apu', names), 'api');
});

test('nothing when no name is close, or the name itself is all there is', () => {
  assert.equal(closestName('billing', ['web', 'api']), null);
  assert.equal(closestName('x', ['web']), null);
  assert.equal(closestName('web', ['web']), null);
  assert.equal(closestName('web', []), null);
});

test('ties go to the first name in alphabetical order', () => {
  assert.equal(closestName('ab', ['ac', 'aa']), 'aa');
});
