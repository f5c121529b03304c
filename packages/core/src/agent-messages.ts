import { agentMessagePayload, SignedAgentMessage } from '@berth/protocol';

/**
 * What makes a message from a connected agent acceptable, pure: berthd applies it to every
 * message after the welcome and closes the link at the first one it refuses. The signature is
 * checked by the caller's `verify` (core does no crypto) with the key the agent proved at its
 * hello.
 *
 * Why each rule:
 * - the signature covers the challenge nonce of this connection, so a message signed in one
 *   session means nothing in another (even of the same agent);
 * - `seq` must be exactly the previous one + 1: a replay, a dropped or a reordered message is
 *   refused, with O(1) state per link. The per-message nonce is part of what is signed, but
 *   tracking seen nonces would add nothing: no two messages of a session share a seq;
 * - `ts` must be within AGENT_MESSAGE_CLOCK_WINDOW_MS of berthd's clock, either way: servers'
 *   clocks differ, and a link that stays open for weeks should not accept what was signed long
 *   ago.
 */

/** How far an agent's clock may be from berthd's, either way (servers' clocks drift; NTP fixes). */
export const AGENT_MESSAGE_CLOCK_WINDOW_MS = 5 * 60_000;

/** What berthd holds per link to check the next message. */
export interface AgentLinkState {
  /** The challenge nonce berthd sent at this connection's start. */
  challenge: string;
  /** The seq of the last message accepted; 0 before the first. */
  lastSeq: number;
}

export type AgentMessageRefusal = 'not-signed' | 'bad-signature' | 'out-of-sequence' | 'clock';

export type AgentMessageVerdict =
  | { ok: true; body: string; state: AgentLinkState }
  | { ok: false; refusal: AgentMessageRefusal; detail: string };

/** Checks a signature of `payload` with the agent's key; never throws. */
export type AgentSignatureCheck = (payload: string, signature: string) => boolean;

export function checkSignedAgentMessage(
  message: unknown,
  state: AgentLinkState,
  now: number,
  verify: AgentSignatureCheck,
): AgentMessageVerdict {
  const parsed = SignedAgentMessage.safeParse(message);
  if (!parsed.success) {
    return { ok: false, refusal: 'not-signed', detail: 'expected a signed message (protocol 2)' };
  }
  const { body, ts, seq, nonce, sig } = parsed.data;
  // The signature first: a forged or altered message is named as such, whatever its seq says.
  if (!verify(agentMessagePayload({ challenge: state.challenge, ts, seq, nonce, body }), sig)) {
    return { ok: false, refusal: 'bad-signature', detail: 'message signature did not verify' };
  }
  if (seq !== state.lastSeq + 1) {
    return {
      ok: false,
      refusal: 'out-of-sequence',
      detail: `message seq ${seq} after ${state.lastSeq}: replayed or out of order`,
    };
  }
  const skew = ts - now;
  if (Math.abs(skew) > AGENT_MESSAGE_CLOCK_WINDOW_MS) {
    const seconds = Math.round(skew / 1000);
    return {
      ok: false,
      refusal: 'clock',
      detail: `message time is ${seconds} s from berthd's clock (max ${AGENT_MESSAGE_CLOCK_WINDOW_MS / 1000} s): sync the clocks (NTP)`,
    };
  }
  return { ok: true, body, state: { challenge: state.challenge, lastSeq: seq } };
}
