import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppCreate, EnvChange, EnvPatch, ScaleRequest } from './api-apps.js';
import { DeploymentStreamLine } from './api-deployments.js';
import { BerthError, isErrorCode } from './errors.js';
import { Problem } from './problem.js';
import { parseOrThrow } from './validation.js';

test('bodies are strict: an unknown field is refused and named', () => {
  const err = (() => {
    try {
      parseOrThrow(AppCreate, { name: 'web', imagee: 'nginx' }, 'app');
    } catch (e) {
      return e;
    }
    return null;
  })();
  assert.ok(err instanceof BerthError);
  assert.equal(err.code, 'VALIDATION_FAILED');
  assert.deepEqual(err.issues, [{ path: '(body)', message: 'unknown field(s): imagee' }]);
  assert.equal(err.message, 'Invalid app: (body) unknown field(s): imagee');
});

test('field issues name the path a person reads: env.KEY, health.path', () => {
  assert.throws(
    () => parseOrThrow(AppCreate, { name: 'web', env: { '1BAD': 'x' }, health: { path: 'nope' } }, 'app'),
    (e: unknown) => {
      assert.ok(e instanceof BerthError);
      assert.deepEqual(
        e.issues.map((i) => i.path),
        ['env.1BAD', 'health.path'],
      );
      return true;
    },
  );
});

test('an app takes an image or a git source, not both; a token never over plain http to another host', () => {
  const both = AppCreate.safeParse({
    name: 'web',
    image: 'nginx',
    git: { url: 'https://example.com/a.git' },
  });
  assert.equal(both.success, false);
  assert.deepEqual(
    both.error?.issues.map((i) => i.path.join('.')),
    ['git'],
  );
  const sshToken = AppCreate.safeParse({
    name: 'web',
    git: { url: 'http://example.com/a.git', token: 'ghp_x' },
  });
  assert.deepEqual(
    sshToken.error?.issues.map((i) => i.path.join('.')),
    ['git.token'],
  );
  assert.ok(
    AppCreate.safeParse({ name: 'web', git: { url: 'https://example.com/a.git', token: 'ghp_x' } }).success,
  );
});

test('a patch or a scale that changes nothing is refused, not a silent no-op', () => {
  assert.equal(EnvPatch.safeParse({}).success, false);
  assert.equal(EnvPatch.safeParse({ set: {}, unset: [] }).success, false);
  assert.ok(EnvPatch.safeParse({ unset: ['A'] }).success);
  assert.equal(ScaleRequest.safeParse({}).success, false);
  assert.ok(ScaleRequest.safeParse({ replicas: 0 }).success);
  assert.equal(ScaleRequest.safeParse({ replicas: 65 }).success, false);
});

test('stream lines are a closed union: an unknown kind of line is refused', () => {
  assert.equal(DeploymentStreamLine.safeParse({ type: 'progress', percent: 5 }).success, false);
  assert.equal(DeploymentStreamLine.safeParse({ type: 'event' }).success, false);
});

test('EnvChange: a never-deployed app answers deployment null', () => {
  assert.ok(EnvChange.safeParse({ env: { A: '1' }, deployment: null }).success);
  assert.equal(EnvChange.safeParse({ env: { A: '1' } }).success, false);
});

test('a problem body: codes newer than this client are still read; only own error codes are known', () => {
  const body = {
    type: 'https://berth.dev/problems/some_new_code',
    title: 'Conflict',
    status: 409,
    detail: 'x',
    code: 'SOME_NEW_CODE',
    requestId: 'req-1',
  };
  assert.ok(Problem.safeParse(body).success);
  assert.equal(isErrorCode('SOME_NEW_CODE'), false);
  assert.equal(isErrorCode('APP_NOT_FOUND'), true);
  // Names every object inherits are not error codes.
  for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty'])
    assert.equal(isErrorCode(name), false, name);
});
