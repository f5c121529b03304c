import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BerthError } from '@berth/protocol';
import {
  PASSWORD_HASH_PARAMS,
  dummyPasswordHash,
  hashPassword,
  needsRehash,
  verifyPassword,
} from './passwords.js';

// Each argon2 hash or verify costs ~50–100 ms: few of them, on purpose.

test('hash and verify: argon2id with the documented parameters, wrong passwords refused', async () => {
  const hash = await hashPassword('correct horse battery');
  assert.match(hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  assert.deepEqual(
    {
      m: PASSWORD_HASH_PARAMS.memoryCost,
      t: PASSWORD_HASH_PARAMS.timeCost,
      p: PASSWORD_HASH_PARAMS.parallelism,
    },
    { m: 19_456, t: 2, p: 1 },
  );
  assert.equal(await verifyPassword(hash, 'correct horse battery'), true);
  assert.equal(await verifyPassword(hash, 'correct horse batterY'), false);
  assert.equal(needsRehash(hash), false);
  assert.equal(
    needsRehash('$argon2id$v=19$m=4096,t=3,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNo'),
    true,
  );
  assert.equal(needsRehash('garbage'), true);
});

test('a malformed stored hash, an unknown account or an over-long password is false, not a throw', async () => {
  assert.equal(await verifyPassword('not a hash', 'whatever-password'), false);
  assert.equal(await verifyPassword('', 'whatever-password'), false);
  assert.equal(await verifyPassword(null, 'whatever-password'), false);
  const dummy = await dummyPasswordHash();
  assert.match(dummy, /^\$argon2id\$/);
  assert.equal(await dummyPasswordHash(), dummy, 'computed once');
  assert.equal(await verifyPassword(dummy, 'x'.repeat(5000)), false);
});

test('length rules: 10 to 1024 characters, VALIDATION_FAILED on path password', async () => {
  for (const [password, pattern] of [
    ['123456789', /at least 10/],
    ['', /at least 10/],
    ['🔑🔑🔑🔑🔑', /at least 10/], // 10 UTF-16 units, but 5 characters
    ['x'.repeat(1025), /at most 1024/],
    ['x'.repeat(100_000), /at most 1024/],
  ] as const) {
    await assert.rejects(hashPassword(password), (e: unknown) => {
      assert.ok(e instanceof BerthError);
      assert.equal(e.code, 'VALIDATION_FAILED');
      assert.equal(e.issues[0]?.path, 'password');
      assert.match(e.message, pattern);
      return true;
    });
  }
});
