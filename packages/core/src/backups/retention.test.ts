import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backupsToPrune, parseKeep, type RetentionCandidate } from './retention.js';

const b = (id: string, status: RetentionCandidate['status'], startedAt: number): RetentionCandidate => ({
  id,
  status,
  startedAt,
});

test('keeps the N newest verified and drops older verified ones', () => {
  const list = [b('a', 'verified', 1), b('b', 'verified', 2), b('c', 'verified', 3), b('d', 'verified', 4)];
  assert.deepEqual(backupsToPrune(list, 2), ['b', 'a']);
  assert.deepEqual(backupsToPrune(list, 4), []);
  assert.deepEqual(backupsToPrune(list, 10), []);
});

test('keep 1 leaves only the newest verified backup', () => {
  const list = [b('a', 'verified', 1), b('b', 'failed', 2), b('c', 'verified', 3)];
  assert.deepEqual(backupsToPrune(list, 1), ['b', 'a']);
});

test('only failures: nothing is deleted (there is no verified backup to supersede them)', () => {
  const list = [b('a', 'failed', 1), b('b', 'failed', 2)];
  assert.deepEqual(backupsToPrune(list, 1), []);
  assert.deepEqual(backupsToPrune([], 1), []);
});

test('a failure newer than the last verified backup stays; older failures go', () => {
  const list = [b('a', 'failed', 1), b('b', 'verified', 2), b('c', 'failed', 3)];
  assert.deepEqual(backupsToPrune(list, 5), ['a']);
});

test('a running backup is never touched, whatever its age', () => {
  const list = [b('a', 'running', 1), b('b', 'verified', 2), b('c', 'verified', 3)];
  assert.deepEqual(backupsToPrune(list, 1), ['b']);
});

test('equal timestamps: ids break the tie, the same way on every call', () => {
  const list = [b('x2', 'verified', 5), b('x1', 'verified', 5), b('x3', 'verified', 5)];
  assert.deepEqual(backupsToPrune(list, 2), ['x1']);
  assert.deepEqual(backupsToPrune([...list].reverse(), 2), ['x1']);
  // A failure at the same instant as the newest verified one is not older than it: it stays.
  assert.deepEqual(backupsToPrune([b('f', 'failed', 5), b('v', 'verified', 5)], 1), []);
});

test('keep must be a whole number from 1: the last verified backup always stays', () => {
  for (const bad of [0, -1, 1.5, Number.NaN, 1001]) assert.throws(() => parseKeep(bad), /keep/);
  assert.throws(() => backupsToPrune([b('a', 'verified', 1)], 0), /keep/);
  assert.equal(parseKeep(14), 14);
});
