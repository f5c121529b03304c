import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchesLogFilter, parseLogGrep, parseLogSince, type LogPattern } from './log-filter.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');

function pattern(source: string): LogPattern {
  const parsed = parseLogGrep(source);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
  return parsed.value;
}

test('since: a duration back from now, or an RFC 3339 time', () => {
  assert.deepEqual(parseLogSince('10m', NOW), { ok: true, value: NOW - 600_000 });
  assert.deepEqual(parseLogSince('2h', NOW), { ok: true, value: NOW - 7_200_000 });
  assert.deepEqual(parseLogSince('7d', NOW), { ok: true, value: NOW - 7 * 86_400_000 });
  assert.deepEqual(parseLogSince('2026-12-01T10:00:00Z', NOW), {
    ok: true,
    value: Date.parse('2026-12-01T10:00:00Z'),
  });
  assert.deepEqual(parseLogSince('2026-12-01T11:00:00.250+01:00', NOW), {
    ok: true,
    value: Date.parse('2026-12-01T10:00:00.250Z'),
  });
});

test('since: anything else is refused with the forms it takes', () => {
  for (const bad of ['10', '-5m', '1h30m', 'yesterday', '2026-12-01', '2026-13-45T99:00:00Z', '', ' 5m']) {
    const r = parseLogSince(bad, NOW);
    assert.equal(r.ok, false, bad);
    assert.match(r.ok ? '' : r.message, /duration like 90s.*RFC 3339/, bad);
  }
});

test('grep: RE2 patterns match anywhere in the line', () => {
  const p = pattern('status=5\\d\\d');
  assert.equal(p.test('GET / status=503 took 3ms'), true);
  assert.equal(p.test('GET / status=200'), false);
  assert.equal(pattern('(?i)timeout').test('upstream TIMEOUT'), true);
  assert.equal(pattern('^hello v1 starting').test('hello v1 starting on port 8080'), true);
});

test('grep: backreferences, lookaround, empty and overlong patterns are refused', () => {
  for (const [bad, why] of [
    ['(a)\\1', /RE2: no backreferences/],
    ['(?=a)b', /RE2: no backreferences or lookaround/],
    ['(unclosed', /missing closing \)/],
    ['', /must not be empty/],
    ['x'.repeat(201), /at most 200 characters/],
    ['.{1000}', /too complex/],
  ] as const) {
    const r = parseLogGrep(bad);
    assert.equal(r.ok, false, bad);
    assert.match(r.ok ? '' : r.message, why, bad);
  }
});

test('grep: catastrophic-backtracking patterns run in linear time', () => {
  // Each takes minutes or never ends in a backtracking engine (JavaScript's RegExp) on these lines.
  const evil = `${'a'.repeat(50_000)}!`;
  const started = process.hrtime.bigint();
  for (const source of ['(a+)+$', '(a|aa)*b', '(a*)*c', '(\\w+\\s?)*$x']) {
    assert.equal(pattern(source).test(evil), false, source);
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  assert.ok(ms < 2_000, `took ${ms} ms`);
});

test('the filter: since compares by time, a whole-second stamp covers its second', () => {
  const since = Date.parse('2026-12-01T10:00:00.500Z');
  const line = (at: string) => ({ at, line: 'x' });
  assert.equal(matchesLogFilter({ sinceMs: since }, line('2026-12-01T09:59:59Z')), false);
  assert.equal(matchesLogFilter({ sinceMs: since }, line('2026-12-01T10:00:00Z')), true);
  assert.equal(matchesLogFilter({ sinceMs: since }, line('2026-12-01T10:00:00.400Z')), false);
  assert.equal(matchesLogFilter({ sinceMs: since }, line('2026-12-01T10:00:00.600000000Z')), true);
  assert.equal(matchesLogFilter({ sinceMs: since }, line('not a time')), true);
  assert.equal(matchesLogFilter({}, line('2000-01-01T00:00:00Z')), true);
});

test('the filter: since and grep both have to pass', () => {
  const filter = { sinceMs: Date.parse('2026-12-01T10:00:00Z'), grep: pattern('error') };
  assert.equal(matchesLogFilter(filter, { at: '2026-12-01T10:00:01Z', line: 'an error' }), true);
  assert.equal(matchesLogFilter(filter, { at: '2026-12-01T10:00:01Z', line: 'fine' }), false);
  assert.equal(matchesLogFilter(filter, { at: '2026-12-01T09:00:00Z', line: 'an error' }), false);
});
