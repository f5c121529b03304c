import assert from 'node:assert/strict';
import { test } from 'node:test';
import { changeNote } from './change-note.js';

test('a change says whether it is rolling out, and as which release', () => {
  assert.equal(changeNote('Set DEBUG', { releaseVersion: 7 }), 'Set DEBUG. Deployment of v7 started.');
  assert.equal(changeNote('Set DEBUG', null), 'Set DEBUG. It applies when the app is deployed.');
});
