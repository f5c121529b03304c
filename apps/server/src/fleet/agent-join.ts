import { hashToken, parseSealingPublicKey, verifyEd25519 } from '@berth/crypto';
import {
  BerthError,
  agentJoinPayload,
  parseJoinToken,
  type AgentJoin,
  type AgentJoined,
} from '@berth/protocol';
import type { Store } from '@berth/store';
import { recordDone, type AuditIntent } from '../audit/intent.js';
import { createId } from '../ids.js';

/**
 * A new server's agent joins with its one-time token: the token is consumed, the server is made
 * with the name and labels the token was made for, bound to the agent's Ed25519 key. Every way a
 * join can be wrong (unknown, used, expired or malformed token, a signature that does not verify)
 * gets one answer and writes nothing but its audit row; failures per address are throttled as
 * logins are.
 */

export const JOIN_WINDOW_MS = 15 * 60_000;
export const MAX_JOIN_FAILURES_PER_ADDRESS = 20;

const invalid = (): BerthError =>
  new BerthError('JOIN_TOKEN_INVALID', 'The join token is not valid: unknown, already used or expired', {
    hint: 'On the control plane, make a new one: berth servers add NAME',
  });

export async function joinAgent(
  store: Store,
  now: number,
  input: AgentJoin,
  address: string,
  intent: AuditIntent,
): Promise<AgentJoined> {
  const throttleKey = `join-address:${address}`;
  await refuseIfThrottled(store, now, throttleKey);
  parseSealingPublicKey(input.sealingKey, 'sealingKey');
  try {
    return await register(store, now, input, intent);
  } catch (err) {
    if (err instanceof BerthError && err.code === 'JOIN_TOKEN_INVALID')
      await store.loginFailures.record(throttleKey, now);
    throw err;
  }
}

async function register(
  store: Store,
  now: number,
  input: AgentJoin,
  intent: AuditIntent,
): Promise<AgentJoined> {
  let secret: string;
  try {
    secret = parseJoinToken(input.token).secret;
  } catch {
    throw invalid();
  }
  if (!verifyEd25519(input.publicKey, agentJoinPayload(input.token), input.signature)) throw invalid();
  const tokenHash = hashToken(secret);
  const serverId = createId('srv');
  return store.transaction(async (tx) => {
    const token = await tx.joinTokens.findByHash(tokenHash);
    if (!token || !(await tx.joinTokens.consume(tokenHash, now, serverId))) throw invalid();
    const holder = await tx.servers.findByPublicKey(input.publicKey);
    if (holder)
      throw new BerthError('SERVER_EXISTS', 'This agent key is already registered with berthd', {
        hint: 'berth agent join makes a new key: join with a fresh --data-dir',
      });
    // A server that took the name since the token was made: SERVER_EXISTS, and the token stays unused.
    await tx.servers.create({
      id: serverId,
      name: token.serverName,
      publicKey: input.publicKey,
      sealingKey: input.sealingKey,
      createdAt: now,
      lastSeenAt: null,
      labels: token.labels,
      capacity: input.capacity ?? null,
      agentVersion: input.agentVersion,
      privateIp: input.privateIp ?? null,
    });
    await recordDone(
      tx,
      {
        ...intent,
        actorKind: 'agent',
        actorId: serverId,
        actorName: token.serverName,
        target: `server:${token.serverName}`,
        detail: { agentVersion: input.agentVersion },
      },
      now,
    );
    return { serverId, serverName: token.serverName, labels: token.labels };
  });
}

async function refuseIfThrottled(store: Store, now: number, key: string): Promise<void> {
  const since = now - JOIN_WINDOW_MS;
  if ((await store.loginFailures.countSince(key, since)) < MAX_JOIN_FAILURES_PER_ADDRESS) return;
  const oldest = (await store.loginFailures.oldestSince(key, since)) ?? now;
  const minutes = Math.max(1, Math.ceil((oldest + JOIN_WINDOW_MS - now) / 60_000));
  throw new BerthError(
    'RATE_LIMITED',
    `Too many failed joins from this address; try again in ${minutes} minute(s)`,
  );
}
