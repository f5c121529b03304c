import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CpuLimit, SecretFilePath, formatLimits, parseMemoryMiB } from './runtime.js';

test('memory sizes read as docker --memory reads them (binary units), in whole MiB', () => {
  const cases: [string, number | null][] = [
    ['256M', 256],
    ['256m', 256],
    ['256Mi', 256],
    ['256MiB', 256],
    ['1G', 1024],
    ['1.5G', 1536],
    ['2g', 2048],
    ['1T', 1024 * 1024],
    ['524288K', 512],
    ['268435456', 256],
    [' 512M ', 512],
    ['0.5M', null],
    ['1000', null],
    ['12X', null],
    ['-1G', null],
    ['', null],
    ['1e3M', null],
  ];
  for (const [text, mib] of cases) assert.equal(parseMemoryMiB(text), mib, text);
});

test('CPU limits: hundredths and thousandths, within 0.01 to 64', () => {
  for (const ok of [0.01, 0.5, 1, 1.25, 0.333, 64]) assert.ok(CpuLimit.safeParse(ok).success, String(ok));
  for (const bad of [0, 0.001, 0.0005, 64.5, 1.2345, Number.NaN])
    assert.ok(!CpuLimit.safeParse(bad).success, String(bad));
});

test('secret file paths: one name under /run/secrets/, no dot-names, no traversal, no other prefix', () => {
  for (const ok of ['/run/secrets/token', '/run/secrets/db.password', '/run/secrets/A_B-c.1'])
    assert.ok(SecretFilePath.safeParse(ok).success, ok);
  for (const bad of [
    '/run/secrets/',
    '/run/secrets/..',
    '/run/secrets/../../etc/passwd',
    '/run/secrets/.hidden',
    '/run/secrets/a/b',
    '/run/secretsx/a',
    'run/secrets/a',
    '/etc/passwd',
    '/run/secrets/a b',
    '/run/secrets/a\0b',
    `/run/secrets/${'a'.repeat(129)}`,
  ])
    assert.ok(!SecretFilePath.safeParse(bad).success, bad);
});

test('limits read as people write them', () => {
  assert.equal(formatLimits({ cpu: 0.5, memoryMiB: 256, pids: 512 }), '0.5 CPU, 256 MiB memory, 512 pids');
  assert.equal(formatLimits({ cpu: 2, memoryMiB: 2048, pids: 100 }), '2 CPU, 2 GiB memory, 100 pids');
});
