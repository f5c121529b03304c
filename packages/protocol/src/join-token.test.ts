import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BerthError } from './errors.js';
import { formatJoinToken, parseJoinToken } from './join-token.js';

const SECRET = 'A'.repeat(40) + '-_z';
const HEX = 'ab'.repeat(32);

test('a join token round-trips, with a CA fingerprint or none', () => {
  const pinned = formatJoinToken({ secret: SECRET, caFingerprint: `sha256:${HEX.toUpperCase()}` });
  assert.equal(pinned, `bj1.${SECRET}.${HEX}`);
  assert.deepEqual(parseJoinToken(pinned), { secret: SECRET, caFingerprint: `sha256:${HEX}` });
  assert.equal(formatJoinToken({ secret: SECRET, caFingerprint: HEX }), pinned, 'bare hex too');
  const plain = formatJoinToken({ secret: SECRET, caFingerprint: null });
  assert.equal(plain, `bj1.${SECRET}.none`);
  assert.deepEqual(parseJoinToken(` ${plain}\n`), { secret: SECRET, caFingerprint: null });
});

test('anything else is JOIN_TOKEN_INVALID, without the text in the message', () => {
  const bad = [
    '',
    `bj2.${SECRET}.none`,
    `bj1.${SECRET}`,
    `bj1.${SECRET.slice(1)}.none`,
    `bj1.${SECRET}x.none`,
    `bj1.${SECRET}.${HEX.toUpperCase()}`,
    `bj1.${SECRET}.${HEX}0`,
    `bj1.${SECRET}.sha256:${HEX}`,
    `bj1.${SECRET.replace('A', '.')}.none`,
    `bj1.${SECRET}.none.x`,
  ];
  for (const text of bad) {
    assert.throws(
      () => parseJoinToken(text),
      (e: unknown) =>
        e instanceof BerthError && e.code === 'JOIN_TOKEN_INVALID' && !e.message.includes(SECRET),
      JSON.stringify(text),
    );
  }
  assert.throws(() => formatJoinToken({ secret: 'short', caFingerprint: null }), BerthError);
  assert.throws(() => formatJoinToken({ secret: SECRET, caFingerprint: 'sha256:xyz' }), BerthError);
});
