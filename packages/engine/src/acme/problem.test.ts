import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatAcmeProblem, hintForProblem, parseAcmeProblem } from './problem.js';

test('a problem document with subproblems reads as one line per identifier', () => {
  const problem = parseAcmeProblem({
    type: 'urn:ietf:params:acme:error:rejectedIdentifier',
    detail: 'Some identifiers were rejected',
    status: 400,
    subproblems: [
      {
        type: 'urn:ietf:params:acme:error:rejectedIdentifier',
        detail: 'blocked by policy',
        identifier: { type: 'dns', value: 'bad.example' },
      },
      {
        type: 'urn:ietf:params:acme:error:caa',
        detail: 'CAA forbids',
        identifier: { type: 'dns', value: 'caa.example' },
      },
      'not a problem',
    ],
  });
  assert.ok(problem);
  assert.equal(problem.status, 400);
  assert.equal(
    formatAcmeProblem(problem),
    'rejectedIdentifier: Some identifiers were rejected [bad.example: rejectedIdentifier: blocked by policy; caa.example: caa: CAA forbids]',
  );
  assert.match(hintForProblem(problem, ['bad.example']), /will not issue for bad.example/);
});

test('anything that is not a problem document is not taken for one', () => {
  for (const value of [null, undefined, 'error', 42, [], {}, { status: 400 }, { type: 7, detail: null }])
    assert.equal(parseAcmeProblem(value), null, JSON.stringify(value));
  // Foreign types stay whole; missing details say so.
  const foreign = parseAcmeProblem({ type: 'about:blank' });
  assert.ok(foreign);
  assert.equal(formatAcmeProblem(foreign), 'about:blank: (no detail)');
});

test('hints follow the kind of failure', () => {
  const of = (type: string): ReturnType<typeof parseAcmeProblem> =>
    parseAcmeProblem({ type: `urn:ietf:params:acme:error:${type}`, detail: 'x' });
  const hint = (type: string, challenge?: 'http-01' | 'dns-01'): string => {
    const problem = of(type);
    assert.ok(problem);
    return hintForProblem(problem, ['a.example'], challenge);
  };
  assert.match(hint('rateLimited'), /retries later with backoff/);
  assert.match(hint('unauthorized', 'dns-01'), /TXT record of a\.example/);
  assert.match(hint('unauthorized', 'http-01'), /point at a Berth edge/);
  assert.match(hint('dns'), /resolve in public DNS/);
  assert.match(hint('invalidContact'), /email address/);
  assert.match(hint('serverInternal'), /retries with backoff/);
});
