import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError, describeError, parseProblem } from './problem.js';

const problem = {
  type: 'https://berth.dev/errors/validation-failed',
  title: 'Validation failed',
  status: 400,
  detail: 'Invalid body.password: must be at least 10 characters',
  code: 'VALIDATION_FAILED',
  requestId: 'req-1',
};

test('a problem shows its detail, its hint and its request id', () => {
  const error = new ApiError(
    409,
    parseProblem({ ...problem, status: 409, code: 'SETUP_DONE', hint: 'Log in' }),
  );
  assert.deepEqual(describeError(error), {
    message: problem.detail,
    hint: 'Log in',
    fields: [],
    logs: [],
    requestId: 'req-1',
  });
});

test('several invalid fields are listed by the names the form uses', () => {
  const body = {
    ...problem,
    errors: [
      { path: 'body.password', message: 'must be at least 10 characters' },
      { path: 'body.email', message: 'must be an email address like ada@example.com' },
    ],
  };
  assert.deepEqual(describeError(new ApiError(400, parseProblem(body))).fields, [
    'password: must be at least 10 characters',
    'email: must be an email address like ada@example.com',
  ]);
  // One invalid field is already named by the message.
  const one = { ...problem, errors: [{ path: 'body.password', message: 'must be at least 10 characters' }] };
  assert.deepEqual(describeError(new ApiError(400, parseProblem(one))).fields, []);
});

test("a CSRF failure says what to do in the dashboard, not the CLI's header advice", () => {
  const body = {
    ...problem,
    status: 403,
    code: 'CSRF_FAILED',
    detail: 'A change made with a browser session needs its CSRF token',
    hint: 'Send the csrfToken from the login response in the x-csrf-token header',
  };
  const shown = describeError(new ApiError(403, parseProblem(body)));
  assert.equal(shown.message, 'A change made with a browser session needs its CSRF token');
  assert.match(shown.hint ?? '', /log in again in this tab/);
});

test("a failed deploy's log lines are kept; the problem's text is never interpreted", () => {
  const body = { ...problem, detail: '<img src=x onerror=alert(1)>', logs: ['listening on :3000', 42] };
  const shown = describeError(new ApiError(422, parseProblem(body)));
  assert.equal(shown.message, '<img src=x onerror=alert(1)>');
  assert.deepEqual(shown.logs, ['listening on :3000']);
});

test('an answer that is no problem (a proxy page, nothing) still says something useful', () => {
  assert.equal(parseProblem('<html>Bad gateway</html>'), null);
  assert.equal(parseProblem(undefined), null);
  assert.equal(parseProblem({ message: 'x' }), null);
  const gateway = describeError(new ApiError(502, null));
  assert.equal(gateway.message, 'berthd answered HTTP 502');
  assert.match(gateway.hint ?? '', /berthd's log/);
});

test('no answer at all, and other errors', () => {
  assert.deepEqual(describeError(new TypeError('Failed to fetch')), {
    message: 'berthd did not answer',
    hint: 'Check that berthd is running and reachable, then retry',
    fields: [],
    logs: [],
    requestId: null,
  });
  assert.equal(describeError(new Error('boom')).message, 'boom');
  assert.equal(describeError('boom').message, 'Something went wrong');
});
