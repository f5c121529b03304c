import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRfc3339 } from './rfc3339.js';

test('RFC 3339 times agree with Date.parse, offsets and fractions included', () => {
  for (const at of [
    '1970-01-01T00:00:00Z',
    '2026-12-01T10:00:00Z',
    '2026-12-01T10:00:00.5Z',
    '2026-12-01T10:00:00.123456789Z',
    '2026-12-01T11:30:00+01:30',
    '2026-12-01T03:00:00-07:00',
    '2024-02-29T23:59:59.999Z',
    '2000-03-01T00:00:00Z',
    '1969-12-31T23:59:59Z',
  ]) {
    assert.equal(parseRfc3339(at), Date.parse(at), at);
  }
});

test('fractions past milliseconds are cut, never rounded up', () => {
  assert.equal(parseRfc3339('2026-12-01T10:00:00.9999Z'), Date.parse('2026-12-01T10:00:00.999Z'));
});

test('what is not a real RFC 3339 time is null', () => {
  for (const bad of [
    '2026-12-01',
    '2026-12-01 10:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-02-29T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-12-01T24:00:00Z',
    '2026-12-01T10:60:00Z',
    '2026-12-01T10:00:00+25:00',
    '2026-12-01T10:00:00',
    'not a time',
  ]) {
    assert.equal(parseRfc3339(bad), null, bad);
  }
});
