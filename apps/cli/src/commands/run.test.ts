import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EXIT } from '../cli/exit-codes.js';
import { EXIT_TIMED_OUT, parseTimeoutArg, runExitCode } from './run.js';

test("berth run exits with the command's code, 124 at the timeout, 4 when there is none", () => {
  const exit = (exitCode: number | null, timedOut = false) =>
    ({ type: 'exit', exitCode, timedOut, durationMs: 1 }) as const;
  assert.equal(runExitCode(exit(0)), 0);
  assert.equal(runExitCode(exit(3)), 3);
  assert.equal(runExitCode(exit(255)), 255);
  assert.equal(runExitCode(exit(null, true)), EXIT_TIMED_OUT);
  assert.equal(runExitCode(exit(null)), EXIT.internal);
  assert.equal(runExitCode({ type: 'error', code: 'AGENT_UNAVAILABLE', message: 'gone' }), EXIT.internal);
  assert.equal(runExitCode(null), EXIT.internal, 'the stream broke off before its end');
});

test('--timeout takes a duration from 1 s to 24 h, in whole seconds', () => {
  assert.equal(parseTimeoutArg('10m'), 600);
  assert.equal(parseTimeoutArg('1500ms'), 2);
  assert.equal(parseTimeoutArg('24h'), 86_400);
  for (const bad of ['0s', '25h', 'soon', '-1s', ''])
    assert.throws(() => parseTimeoutArg(bad), /expected/, bad);
});
