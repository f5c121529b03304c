import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  auditSearch,
  filterErrors,
  fromLocalInput,
  isFiltered,
  NO_FILTER,
  parseAuditFilter,
  toAuditQuery,
  toLocalInput,
  type AuditFilter,
} from './audit-filter.js';

const full: AuditFilter = {
  actor: 'ada@example.com',
  action: 'user.*',
  target: 'user:"><img src=x onerror=alert(1)>',
  outcome: 'denied',
  since: '2030-01-02T03:04:00.000Z',
  until: '2030-02-01T00:00:00.000Z',
};

test('a filter and its address read back as each other', () => {
  for (const filter of [
    NO_FILTER,
    full,
    { ...NO_FILTER, action: 'deploy' },
    { ...NO_FILTER, outcome: 'ok' as const },
  ]) {
    assert.deepEqual(parseAuditFilter(new URLSearchParams(auditSearch(filter))), filter);
  }
  assert.equal(auditSearch(NO_FILTER), '');
  assert.equal(
    auditSearch({ ...NO_FILTER, target: 'app:web', action: 'deploy' }),
    'action=deploy&target=app%3Aweb',
  );
  assert.equal(isFiltered(NO_FILTER), false);
  assert.equal(isFiltered({ ...NO_FILTER, until: full.until }), true);
});

test('what is not a valid value in a hand-made address is left out', () => {
  const parsed = parseAuditFilter(
    new URLSearchParams({
      actor: '  ci  ',
      action: 'User.Grant',
      target: 'x'.repeat(301),
      outcome: 'maybe',
      since: 'yesterday',
      until: '2030-01-02T03:04:00+01:00',
      team: 'other',
    }),
  );
  assert.deepEqual(parsed, { ...NO_FILTER, actor: 'ci' });
  // An instant is one spelling: seconds and milliseconds added.
  assert.equal(
    parseAuditFilter(new URLSearchParams('since=2030-01-02T03:04Z')).since,
    '2030-01-02T03:04:00.000Z',
  );
  assert.equal(parseAuditFilter(new URLSearchParams('since=2030-02-31T00:00:00Z')).since, '');
});

test('the API gets only the parts given', () => {
  assert.deepEqual(toAuditQuery(NO_FILTER), {});
  assert.deepEqual(toAuditQuery({ ...NO_FILTER, outcome: 'failed', target: 'app:web' }), {
    target: 'app:web',
    outcome: 'failed',
  });
  assert.deepEqual(toAuditQuery(full), full);
});

test('a datetime-local value is the browser zone; the address holds the instant', () => {
  const local = '2030-01-02T03:04';
  const instant = fromLocalInput(local);
  assert.equal(instant, new Date(2030, 0, 2, 3, 4).toISOString());
  assert.equal(toLocalInput(instant), local);
  assert.equal(fromLocalInput(''), '');
  assert.equal(fromLocalInput('2030-01-02'), '');
  assert.equal(toLocalInput(''), '');
});

test('what berthd would refuse is named before it is sent', () => {
  assert.deepEqual(filterErrors(full), {});
  const errors = filterErrors({ ...full, action: 'user grant', actor: 'a'.repeat(255), until: full.since });
  assert.deepEqual(Object.keys(errors).sort(), ['action', 'actor', 'until']);
  assert.match(errors.action ?? '', /user\.\*/);
});
