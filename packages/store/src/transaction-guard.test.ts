import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { insideTransaction } from './transaction-guard.js';

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
