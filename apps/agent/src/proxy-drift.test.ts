import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NginxDrift } from '@berth/engine';
import type { ProxyDrift } from '@berth/protocol';
import { pino } from 'pino';
import { DRIFT_CHECK_INTERVAL_MS, watchProxyDrift } from './proxy-drift.js';

// The check itself is @berth/engine's (tested against a real nginx); here only the timer around it.
const drift: NginxDrift = {
  version: 4,
  expectedHash: 'a'.repeat(64),
  foundHash: 'b'.repeat(64),
  files: ['nginx.conf'],
  detectedAt: '2026-12-03T17:00:00.000Z',
  restoredAs: 5,
};

test('issue 11: a drift is looked for well within 30 s', () => {
  assert.ok(DRIFT_CHECK_INTERVAL_MS <= 10_000);
});

test('each restored drift is reported once; a failed check is logged and the next one runs', async () => {
  const answers: (NginxDrift | null | Error)[] = [null, drift, new Error('nginx -t failed'), null];
  const reported: ProxyDrift[] = [];
  let checks = 0;
  const watch = watchProxyDrift({
    checkDrift: () => {
      const a = answers[checks++] ?? null;
      return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
    },
    report: (d) => reported.push(d),
    log: pino({ level: 'silent' }),
    intervalMs: 5,
  });
  while (checks < answers.length) await sleep(5);
  await watch.stop();
  assert.deepEqual(reported, [
    {
      at: drift.detectedAt,
      version: 4,
      expectedHash: drift.expectedHash,
      foundHash: drift.foundHash,
      files: ['nginx.conf'],
      restoredAs: 5,
    },
  ]);
});

test('a slow check is not stacked on: one at a time, and stop waits for it', async () => {
  let inFlight = 0;
  let most = 0;
  let done = 0;
  const watch = watchProxyDrift({
    checkDrift: async () => {
      most = Math.max(most, ++inFlight);
      await sleep(30);
      inFlight--;
      done++;
      return null;
    },
    report: () => undefined,
    log: pino({ level: 'silent' }),
    intervalMs: 2,
  });
  await sleep(80);
  await watch.stop();
  assert.equal(most, 1);
  assert.equal(inFlight, 0, 'stop resolved after the check in flight');
  assert.ok(done >= 1);
});
