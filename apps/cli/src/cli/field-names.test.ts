import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeIssue, flagOf } from './field-names.js';

test('API field paths read as the flags a person typed', () => {
  assert.equal(flagOf('body.image'), '--image');
  assert.equal(flagOf('body.port'), '--port');
  assert.equal(flagOf('body.health.intervalMs'), '--health-interval');
  assert.equal(flagOf('body.limits.memoryMiB'), '--memory');
  assert.equal(flagOf('body.git.ref.name'), '--branch/--tag/--commit');
  assert.equal(flagOf('body.ref.name'), '--branch/--tag/--commit');
  assert.equal(flagOf('querystring.since'), '--since');
  assert.equal(flagOf('querystring.grep'), '--grep');
  assert.equal(flagOf('querystring.tail'), '--tail');
  assert.equal(flagOf('params.app'), 'the app name');
  assert.equal(flagOf('headers.idempotency-key'), '--idempotency-key');
  assert.equal(flagOf('body.toVersion'), '--to');
  assert.equal(flagOf('body.volumes.0.path'), '--volume');
  assert.equal(flagOf('volumes.1.volume'), '--volume');
  assert.equal(flagOf('body.strategy'), '--strategy');
});

test('pairs name their key; the request as a whole names nothing', () => {
  assert.equal(flagOf('body.env.FOO'), '--env FOO');
  assert.equal(flagOf('body.set.API_KEY'), 'API_KEY');
  assert.equal(flagOf('body.files.DB'), '--as-file for DB');
  assert.equal(flagOf('body'), null);
  assert.equal(flagOf('(body)'), null);
});

test('unknown fields keep a readable name', () => {
  assert.equal(flagOf('body.buildEgress'), '--build-egress');
  assert.equal(flagOf('body.some.nested'), 'some.nested');
});

test('one line per issue: flag, then what is wrong', () => {
  assert.equal(
    describeIssue({ path: 'body.port', message: 'must be at most 65535' }),
    '--port must be at most 65535',
  );
  assert.equal(
    describeIssue({ path: 'body.port', message: 'Too big: expected number to be <=65535' }),
    '--port: Too big: expected number to be <=65535',
  );
  assert.equal(
    describeIssue({ path: '(body)', message: 'set or unset at least one secret' }),
    'set or unset at least one secret',
  );
});
