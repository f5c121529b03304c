/**
 * The rules for a message from a connected agent, with real Ed25519 signatures (node:crypto,
 * as @berth/crypto makes them): a message is accepted only signed by the session's key, for
 * this session, next in sequence and within the clock window.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { test } from 'node:test';
import { agentMessagePayload, type SignedAgentMessage } from '@berth/protocol';
import {
  AGENT_MESSAGE_CLOCK_WINDOW_MS,
  checkSignedAgentMessage,
  type AgentLinkState,
  type AgentMessageVerdict,
} from './agent-messages.js';

const NOW = 1_800_000_000_000;
const agent = generateKeyPairSync('ed25519');
const stranger = generateKeyPairSync('ed25519');
const CHALLENGE = randomBytes(32).toString('base64url');
const OTHER_CHALLENGE = randomBytes(32).toString('base64url');
const body = JSON.stringify({ type: 'report', report: { desiredVersion: 1, apps: [] } });

const verifyWith =
  (key: KeyObject) =>
  (payload: string, signature: string): boolean =>
    verify(null, Buffer.from(payload), key, Buffer.from(signature, 'base64'));
const byAgent = verifyWith(agent.publicKey);

function signed(
  over: Partial<Omit<SignedAgentMessage, 'sig' | 'type'>> & { challenge?: string; key?: KeyObject } = {},
): SignedAgentMessage {
  const m = {
    challenge: over.challenge ?? CHALLENGE,
    ts: over.ts ?? NOW,
    seq: over.seq ?? 1,
    nonce: over.nonce ?? randomBytes(16).toString('base64url'),
    body: over.body ?? body,
  };
  const sig = sign(null, Buffer.from(agentMessagePayload(m)), over.key ?? agent.privateKey).toString(
    'base64',
  );
  return { type: 'signed', body: m.body, ts: m.ts, seq: m.seq, nonce: m.nonce, sig };
}

const fresh: AgentLinkState = { challenge: CHALLENGE, lastSeq: 0 };
const check = (message: unknown, state = fresh, now = NOW): AgentMessageVerdict =>
  checkSignedAgentMessage(message, state, now, byAgent);
const refusal = (v: AgentMessageVerdict): string => (v.ok ? 'accepted' : v.refusal);

test('a message signed by the session key, next in sequence, is accepted with its exact body', () => {
  const first = check(signed());
  assert.deepEqual(first, { ok: true, body, state: { challenge: CHALLENGE, lastSeq: 1 } });
  assert.ok(first.ok);
  const second = check(signed({ seq: 2, body: '{"type":"rpc.end","id":3}' }), first.state);
  assert.deepEqual(second, {
    ok: true,
    body: '{"type":"rpc.end","id":3}',
    state: { challenge: CHALLENGE, lastSeq: 2 },
  });
});

test('anything but a signed envelope is refused', () => {
  const good = signed();
  const cases: unknown[] = [
    null,
    'text',
    JSON.parse(body),
    { ...good, type: 'report' },
    { ...good, body: undefined },
    { ...good, seq: 0 },
    { ...good, seq: 1.5 },
    { ...good, ts: -1 },
    { ...good, nonce: 'short' },
    { ...good, nonce: `${'a'.repeat(21)}:` },
    { ...good, sig: '' },
  ];
  for (const [i, m] of cases.entries()) assert.equal(refusal(check(m)), 'not-signed', `case ${i}`);
});

test('an altered message does not verify, whichever field was changed', () => {
  const good = signed();
  const cases: SignedAgentMessage[] = [
    { ...good, body: body.replace('"desiredVersion":1', '"desiredVersion":2') },
    { ...good, body: `${body} ` },
    { ...good, ts: good.ts + 1 },
    { ...good, seq: 2 },
    { ...good, nonce: randomBytes(16).toString('base64url') },
    { ...good, sig: signed().sig },
  ];
  for (const [i, m] of cases.entries()) {
    const state = { challenge: CHALLENGE, lastSeq: m.seq - 1 };
    assert.equal(refusal(check(m, state)), 'bad-signature', `case ${i}`);
  }
});

test('a message signed by another key, or for another session, does not verify', () => {
  assert.equal(refusal(check(signed({ key: stranger.privateKey }))), 'bad-signature');
  assert.equal(
    refusal(checkSignedAgentMessage(signed(), fresh, NOW, verifyWith(stranger.publicKey))),
    'bad-signature',
    'checked against the session key, not whatever key signed',
  );
  assert.equal(
    refusal(check(signed({ challenge: OTHER_CHALLENGE }))),
    'bad-signature',
    "another session's message",
  );
});

test('seq must be exactly the last one + 1: a replay, a skip or a reorder is refused', () => {
  const first = signed({ seq: 1 });
  const after1 = check(first);
  assert.ok(after1.ok);
  assert.equal(refusal(check(first, after1.state)), 'out-of-sequence', 'the same message again');
  assert.equal(refusal(check(signed({ seq: 3 }), after1.state)), 'out-of-sequence', 'one skipped');
  const after2 = check(signed({ seq: 2 }), after1.state);
  assert.ok(after2.ok);
  assert.equal(refusal(check(signed({ seq: 1 }), after2.state)), 'out-of-sequence', 'an older one');
  const verdict = check(signed({ seq: 5 }), after2.state);
  assert.deepEqual(verdict, {
    ok: false,
    refusal: 'out-of-sequence',
    detail: 'message seq 5 after 2: replayed or out of order',
  });
});

test('ts must be within the window of berthd clock, either way, edges included', () => {
  const W = AGENT_MESSAGE_CLOCK_WINDOW_MS;
  assert.equal(W, 300_000);
  for (const ts of [NOW - W, NOW + W, NOW - 1, NOW + 1])
    assert.equal(refusal(check(signed({ ts }))), 'accepted', `ts ${ts - NOW}`);
  for (const ts of [NOW - W - 1, NOW + W + 1, 0])
    assert.equal(refusal(check(signed({ ts }))), 'clock', `ts ${ts - NOW}`);
  const old = check(signed({ ts: NOW - 400_000 }));
  assert.ok(!old.ok);
  assert.match(old.detail, /-400 s from berthd's clock \(max 300 s\): sync the clocks/);
});

test('the signed text binds every field, in a form no field can spill into another', () => {
  const m = { challenge: 'c', ts: 2, seq: 3, nonce: 'n', body: '{"a":1}' };
  assert.equal(agentMessagePayload(m), 'berth-agent-message:v1:c:2:3:n\n{"a":1}');
});
