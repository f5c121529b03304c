import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuditVerification } from '../api/paths.js';
import { chainStatus } from './chain-status.js';

const signingKey = { keyId: 'k1', publicKey: 'MCow' };
const intact: AuditVerification = {
  ok: true,
  checked: 42,
  seq: null,
  reason: null,
  head: 'ab12',
  anchoredSeq: 42,
  checkpoints: 1,
  notes: [],
  signingKey,
};

test('an intact chain: verified up to its newest row', () => {
  const s = chainStatus(intact);
  assert.equal(s.verified, true);
  assert.equal(s.headline, 'Chain verified up to row 42');
  assert.match(s.details[0] ?? '', /row 42 by the signed head .* 1 signed checkpoint\./);
  assert.equal(s.details.at(-1), 'Signing key: k1.');
  assert.equal(
    chainStatus({ ...intact, checked: 0, anchoredSeq: 0, checkpoints: 0 }).headline,
    'Chain verified: the log is empty',
  );
});

test('a broken chain: the first row at fault, in a sentence', () => {
  const s = chainStatus({
    ...intact,
    ok: false,
    checked: 6,
    seq: 7,
    reason: 'its content does not match its hash (the row was edited)',
    head: null,
    anchoredSeq: null,
  });
  assert.deepEqual(s, {
    verified: false,
    headline: 'Chain broken at row 7',
    details: [
      'Row 7: its content does not match its hash (the row was edited).',
      'The 6 rows before it verify.',
    ],
  });
  const missing = chainStatus({
    ...intact,
    ok: false,
    checked: 9,
    seq: 10,
    reason: 'row 10 is missing at the end: the signed head kept beside the master key records row 10',
  });
  assert.equal(
    missing.details[0],
    'Row 10 is missing at the end: the signed head kept beside the master key records row 10.',
  );
  const unnamed = chainStatus({
    ...intact,
    ok: false,
    checked: 0,
    seq: null,
    reason: 'the head file is unreadable',
  });
  assert.deepEqual([unnamed.headline, unnamed.details[1]], ['Chain broken', 'No row before it verifies.']);
});
