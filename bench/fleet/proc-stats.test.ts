import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cpuPercentOfOneCore, parseCpuTicks, parseVmRssKib, summarize } from './proc-stats.js';

test('VmRSS is read in KiB from /proc/<pid>/status', () => {
  const status = 'Name:\tnode\nVmPeak:\t 1200 kB\nVmHWM:\t  900 kB\nVmRSS:\t  81234 kB\nThreads:\t11\n';
  assert.equal(parseVmRssKib(status), 81234);
  assert.throws(() => parseVmRssKib('Name:\tnode\n'), { message: 'no VmRSS line in /proc/<pid>/status' });
});

test('utime + stime come from fields 14 and 15, counted after the command name', () => {
  // A command name with a space and a ')' must not shift the fields.
  const stat = '4242 (node) x) S 1 4242 4242 0 -1 4194560 5000 0 0 0 731 269 0 0 20 0 11 0 100 0 0';
  assert.equal(parseCpuTicks(stat), 1000);
  assert.throws(() => parseCpuTicks('4242 (node) S 1'), { message: 'malformed /proc/<pid>/stat' });
});

test('CPU is a percentage of one core over the window', () => {
  assert.equal(cpuPercentOfOneCore(150, 100, 30_000), 5);
  assert.equal(cpuPercentOfOneCore(200, 100, 1000), 200);
  assert.equal(cpuPercentOfOneCore(10, 100, 0), 0);
});

test('a summary has the count, percentiles and the maximum', () => {
  const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
  assert.deepEqual(summarize(xs), { n: 100, p50: 50, p95: 95, p99: 99, max: 100 });
  assert.ok(Number.isNaN(summarize([]).max));
});
