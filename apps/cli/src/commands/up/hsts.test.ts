import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { EXIT } from '../../cli/exit-codes.js';
import { CliError } from '../../cli/output.js';
import { checkHstsFlag } from './hsts.js';
import { HSTS_MAX_AGE_OPTION } from './options.js';

test('--hsts-max-age: none unless given, and only with --https-port', () => {
  assert.equal(checkHstsFlag({}), null);
  assert.equal(checkHstsFlag({ httpsPort: 443 }), null);
  assert.equal(checkHstsFlag({ httpsPort: 443, hstsMaxAge: 31536000 }), 31536000);
  assert.equal(checkHstsFlag({ httpsPort: 8443, hstsMaxAge: 0 }), 0);
  assert.throws(
    () => checkHstsFlag({ hstsMaxAge: 300 }),
    (e: unknown) =>
      e instanceof CliError &&
      e.exitCode === EXIT.userError &&
      e.message === '--hsts-max-age needs --https-port: HSTS is only ever sent over HTTPS',
  );
});

test('--hsts-max-age takes whole seconds from 0 to two years', () => {
  const parse = HSTS_MAX_AGE_OPTION[2];
  assert.equal(parse('0'), 0);
  assert.equal(parse('63072000'), 63072000);
  for (const bad of ['-1', '63072001', '1.5', '1e3', '', 'max-age=300'])
    assert.throws(() => parse(bad), InvalidArgumentError, bad);
});
