import { hashToken, randomSecret } from '@berth/crypto';
import { parseDuration } from '@berth/core';
import { BerthError, formatJoinToken, type ServerCreate, type ServerJoinCommand } from '@berth/protocol';
import type { Store } from '@berth/store';
import { recordDone, type AuditIntent } from '../audit/intent.js';
import { createId } from '../ids.js';

/** Join tokens: shown once, kept as the SHA-256 of their secret, single use, expiring, bound to a name. */

const DEFAULT_TTL_MS = 24 * 3_600_000;
export const MAX_JOIN_TTL_MS = 7 * 86_400_000;

export interface JoinTokenSettings {
  /** The URL the joining agent reaches berthd at (no trailing slash). */
  publicUrl: string;
  /** berthd's internal CA's `sha256:…` fingerprint, for the agent to pin; null: nothing to pin. */
  caFingerprint: string | null;
}

export async function createJoinToken(
  store: Store,
  now: number,
  input: ServerCreate,
  settings: JoinTokenSettings,
  intent: AuditIntent,
): Promise<ServerJoinCommand> {
  const ttl = joinTtl(input.ttl);
  const labels = input.labels ?? {};
  const secret = randomSecret();
  const token = formatJoinToken({ secret, caFingerprint: settings.caFingerprint });
  const row = {
    id: createId('jt'),
    serverName: input.name,
    labels,
    tokenHash: hashToken(secret),
    createdBy: intent.actorId,
    createdAt: now,
    expiresAt: now + ttl,
  };
  await store.transaction(async (tx) => {
    // Inside the transaction: SQLite runs them one at a time, so two adds of a name cannot both pass.
    if ((await tx.servers.findByName(input.name)) || (await tx.joinTokens.findPendingByName(input.name, now)))
      throw new BerthError(
        'SERVER_EXISTS',
        `A server or a pending join named "${input.name}" already exists`,
        {
          hint: `Choose another name, or remove it first: berth servers remove ${input.name}`,
        },
      );
    await tx.joinTokens.pruneExpired(now);
    await tx.joinTokens.create(row);
    await recordDone(
      tx,
      {
        ...intent,
        target: `server:${input.name}`,
        detail: { expiresAt: new Date(row.expiresAt).toISOString() },
      },
      now,
    );
  });
  return {
    name: input.name,
    labels,
    expiresAt: new Date(row.expiresAt).toISOString(),
    token,
    command: `berth agent join ${settings.publicUrl} ${token}`,
  };
}

function joinTtl(ttl: string | undefined): number {
  if (ttl === undefined) return DEFAULT_TTL_MS;
  const ms = parseDuration(ttl);
  if (ms === null || ms <= 0 || ms > MAX_JOIN_TTL_MS)
    throw new BerthError('VALIDATION_FAILED', `ttl must be a duration up to 7d, like "24h"; got "${ttl}"`, {
      issues: [{ path: 'ttl', message: 'must be at most 7d' }],
    });
  return ms;
}
