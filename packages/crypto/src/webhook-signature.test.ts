import assert from 'node:assert/strict';
import { test } from 'node:test';
import { verifyWebhookSignature, webhookSignature } from './webhook-signature.js';

const body = Buffer.from('{"ref":"refs/heads/main"}');

test('a signature made with the secret over the exact body verifies', () => {
  assert.equal(verifyWebhookSignature('s3cret', body, webhookSignature('s3cret', body)), true);
});

test('GitHub example from its documentation verifies', () => {
  // https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
  const sig = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
  assert.equal(verifyWebhookSignature("It's a Secret to Everybody", Buffer.from('Hello, World!'), sig), true);
});

test('a wrong secret, a changed body, a missing or malformed header do not verify', () => {
  const good = webhookSignature('s3cret', body);
  assert.equal(verifyWebhookSignature('other', body, good), false);
  assert.equal(verifyWebhookSignature('s3cret', Buffer.from('{"ref":"refs/heads/evil"}'), good), false);
  assert.equal(verifyWebhookSignature('s3cret', body, undefined), false);
  assert.equal(verifyWebhookSignature('s3cret', body, good.toUpperCase()), false);
  assert.equal(verifyWebhookSignature('s3cret', body, 'sha1=abc'), false);
  assert.equal(verifyWebhookSignature('s3cret', body, `${good}0`), false);
});
