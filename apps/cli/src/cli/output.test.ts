import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { ApiError } from '@berth/client';
import { BerthError } from '@berth/protocol';
import { EXIT } from './exit-codes.js';
import { CliError, printJson, printTable, reportError, toCliError } from './output.js';

/** What `fn` wrote to stdout and stderr (Node's streams, recorded; our code is what runs). */
function captured(fn: () => void): { stdout: string; stderr: string } {
  const out = { stdout: '', stderr: '' };
  const record = (into: 'stdout' | 'stderr') => (chunk: unknown) => {
    out[into] += String(chunk);
    return true;
  };
  const stdout = mock.method(process.stdout, 'write', record('stdout'));
  const stderr = mock.method(process.stderr, 'write', record('stderr'));
  try {
    fn();
  } finally {
    stdout.mock.restore();
    stderr.mock.restore();
  }
  return out;
}

test('tables align every column but the last, which is never padded', () => {
  const { stdout } = captured(() =>
    printTable(
      [
        ['web', '3', 'serving everything'],
        ['a-much-longer-name', '12', ''],
      ],
      ['NAME', 'REPLICAS', 'STATUS'],
    ),
  );
  assert.equal(
    stdout,
    [
      'NAME                REPLICAS  STATUS',
      'web                 3         serving everything',
      'a-much-longer-name  12        ',
      '',
    ].join('\n'),
  );
  assert.equal(
    captured(() => printTable([], ['NAME', 'STATUS'])).stdout,
    'NAME  STATUS\n',
    'no rows: the header alone',
  );
});

test('--json output is one JSON document on stdout', () => {
  const { stdout, stderr } = captured(() => printJson({ a: [1, { b: null }] }));
  assert.deepEqual(JSON.parse(stdout), { a: [1, { b: null }] });
  assert.ok(stdout.endsWith('}\n'));
  assert.equal(stderr, '');
});

const apiError = (status: number, code: ConstructorParameters<typeof ApiError>[1], requestId?: string) =>
  new ApiError(
    status,
    code,
    'what went wrong',
    'what to try',
    status === 400 ? [{ path: 'name', message: 'is bad' }] : [],
    requestId,
  );

test('exit codes: unreachable 3, a server fault 4 with the request id, a user error 1', () => {
  const unreachable = toCliError(apiError(0, 'UNREACHABLE'));
  assert.deepEqual(
    [unreachable.exitCode, unreachable.message, unreachable.hint],
    [EXIT.unreachable, 'what went wrong', 'what to try'],
  );
  const internal = toCliError(apiError(500, 'INTERNAL', 'req-9'));
  assert.deepEqual([internal.exitCode, internal.message], [EXIT.internal, 'what went wrong (request req-9)']);
  const invalid = toCliError(apiError(400, 'VALIDATION_FAILED', 'req-2'));
  assert.deepEqual([invalid.exitCode, invalid.hint], [EXIT.userError, 'what to try']);
  const user = toCliError(apiError(404, 'APP_NOT_FOUND', 'req-1'));
  assert.deepEqual(
    [user.exitCode, user.message, user.hint],
    [EXIT.userError, 'what went wrong', 'what to try'],
  );
  assert.equal(
    toCliError(new BerthError('VALIDATION_FAILED', 'bad', { hint: 'fix it' })).exitCode,
    EXIT.userError,
  );
  assert.equal(toCliError(new Error('bug')).exitCode, EXIT.internal);
  const own = new CliError('mine', EXIT.deployFailed);
  assert.equal(toCliError(own), own);
});

test('an error is printed for people on stderr, or as JSON on stdout, with the same exit code', () => {
  const err = new CliError('App web not found', EXIT.userError, 'berth apps list', ['name: is bad']);
  const human = captured(() => assert.equal(reportError(err, false), 1));
  assert.equal(human.stdout, '');
  assert.match(human.stderr, /^error: App web not found\n/);
  assert.match(human.stderr, /\nhint: berth apps list\n$/);
  const json = captured(() => assert.equal(reportError(err, true), 1));
  assert.equal(json.stderr, '');
  assert.deepEqual(JSON.parse(json.stdout), {
    error: { message: 'App web not found', hint: 'berth apps list', details: ['name: is bad'], exitCode: 1 },
  });
});
