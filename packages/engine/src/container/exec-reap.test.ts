import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStat } from './exec-reap.js';

test('a stat line gives pid, parent and session, whatever the command name holds', () => {
  assert.deepEqual(parseStat('4242 (sleep) S 4200 4242 4242 0 -1 4194560 99'), {
    pid: 4242,
    ppid: 4200,
    session: 4242,
  });
  assert.deepEqual(parseStat('77 (a) b (c)) R 1 77 70 0 -1'), { pid: 77, ppid: 1, session: 70 });
});

test('what is not a stat line is null, never a process to kill', () => {
  assert.equal(parseStat(''), null);
  assert.equal(parseStat('garbage'), null);
});
