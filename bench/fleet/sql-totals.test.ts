import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sqlBetween } from './sql-totals.js';

test('a window counts only what ran in it, the costliest statement first', () => {
  const before = [
    { sql: 'update servers', calls: 10, ms: 5 },
    { sql: 'select apps', calls: 4, ms: 1 },
  ];
  const after = [
    { sql: 'update servers', calls: 30, ms: 15 },
    { sql: 'select apps', calls: 4, ms: 1 },
    { sql: 'select placements', calls: 2, ms: 12 },
  ];
  assert.deepEqual(sqlBetween(before, after, 5), [
    { sql: 'select placements', calls: 2, ms: 12 },
    { sql: 'update servers', calls: 20, ms: 10 },
  ]);
  assert.equal(sqlBetween(before, after, 1).length, 1);
});
