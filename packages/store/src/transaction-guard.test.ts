import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createWaitingCalls, insideTransaction } from './transaction-guard.js';

test('a transaction still open after the limit is reported once, with where it was opened', async () => {
  const reports: string[] = [];
  await insideTransaction(
    () => sleep(120),
    (m) => reports.push(m),
    30,
  );
  assert.equal(reports.length, 1);
  assert.match(reports[0] ?? '', /has been open for 0 s/);
  assert.match(reports[0] ?? '', /transaction-guard\.test\.ts/);
});

test('a transaction that ends in time is not reported, and neither is one that throws', async () => {
  const reports: string[] = [];
  await insideTransaction(
    () => sleep(5),
    (m) => reports.push(m),
    200,
  );
  await assert.rejects(
    insideTransaction(
      () => Promise.reject(new Error('no')),
      (m) => reports.push(m),
      50,
    ),
    /no/,
  );
  await sleep(100);
  assert.deepEqual(reports, []);
});

test('a store call unanswered past the limit is reported once by name; one answered in time is not', async () => {
  const reports: string[] = [];
  const calls = createWaitingCalls((m) => reports.push(m), 40);
  let release = (): void => undefined;
  calls.track('store.apps.list()', new Promise<void>((resolve) => (release = resolve)));
  calls.track('store.apps.get()', sleep(5));
  await sleep(150);
  assert.equal(reports.length, 1, JSON.stringify(reports));
  assert.match(reports[0] ?? '', /1 store call\(s\) unanswered .*: store\.apps\.list\(\)$/);
  release();
  await sleep(60);
  assert.equal(reports.length, 1);
});
