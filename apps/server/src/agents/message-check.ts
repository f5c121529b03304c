import { checkSignedAgentMessage, type AgentLinkState, type AgentMessageRefusal } from '@berth/core';
import { ed25519Verifier } from '@berth/crypto';
import { parseJsonOrNull } from '@berth/protocol';
import type { Store } from '@berth/store';
import type { FastifyBaseLogger } from 'fastify';

/**
 * How a link is closed for a message berthd refuses (4400-4499: the agent's fault). A correct
 * agent never sends one but for its clock; reconnecting makes a new session (a new challenge,
 * seq from 1).
 */
export const CLOSE_FOR_REFUSAL: Record<AgentMessageRefusal, number> = {
  'not-signed': 4400,
  'bad-signature': 4401,
  'out-of-sequence': 4409,
  clock: 4412,
};

export type MessageCheck = (
  raw: string,
) => { ok: true; body: string } | { ok: false; refusal: AgentMessageRefusal; detail: string };

/**
 * The check of one link's messages, in the order they arrive: the key the agent proved at its
 * hello (parsed once), the challenge of this connection and the last seq accepted (O(1) per link).
 */
export function createMessageCheck(publicKey: string, challenge: string, clock: () => number): MessageCheck {
  const verify = ed25519Verifier(publicKey);
  let state: AgentLinkState = { challenge, lastSeq: 0 };
  return (raw) => {
    const verdict = checkSignedAgentMessage(parseJsonOrNull(raw), state, clock(), verify);
    if (!verdict.ok) return verdict;
    state = verdict.state;
    return { ok: true, body: verdict.body };
  };
}

/**
 * Logs a refused message and audits it, unless it is the clock's: a server whose clock is off
 * is refused at every reconnect, which would flood the audit log with rows that say nothing new. A
 * forged, altered or replayed message can come only from a broken agent or someone inside its
 * TLS session, and each such session ends at its first one.
 */
export async function recordRefusal(
  store: Store,
  log: FastifyBaseLogger,
  at: number,
  server: { serverId: string; serverName: string },
  refusal: AgentMessageRefusal,
  detail: string,
): Promise<void> {
  log.warn({ server: server.serverName, refusal, detail }, 'refused an agent message: closing its link');
  if (refusal === 'clock') return;
  await store.transaction((tx) =>
    tx.audit.append({
      at,
      actorKind: 'agent',
      actorId: server.serverId,
      actorName: server.serverName,
      requestId: null,
      action: 'agent.message',
      target: `server:${server.serverName}`,
      teamId: null,
      outcome: 'denied',
      detail: { refusal },
    }),
  );
}
