import { generateToken, hashToken } from '@berth/crypto';
import { BerthError, type ApiToken, type Role, type TokenCreate } from '@berth/protocol';
import type { Repos, Store, TeamRow, TokenRow } from '@berth/store';
import { mayGrant } from '../access/policy.js';
import { recordDone, type AuditIntent } from '../audit/intent.js';
import { createId } from '../ids.js';

/** API tokens: shown once, kept only as a hash, with a role in one team, revocable at once. */

const DAY_MS = 86_400_000;
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export async function toTokenView(repos: Repos, t: TokenRow): Promise<ApiToken> {
  const team = await repos.teams.get(t.teamId);
  return {
    id: t.id,
    name: t.name,
    role: t.role,
    team: team?.name ?? '?',
    createdAt: new Date(t.createdAt).toISOString(),
    lastUsedAt: iso(t.lastUsedAt),
    expiresAt: iso(t.expiresAt),
    revokedAt: iso(t.revokedAt),
  };
}

export async function createToken(
  store: Store,
  now: number,
  input: TokenCreate,
  team: TeamRow,
  granterRole: Role,
  intent: AuditIntent,
): Promise<ApiToken & { token: string }> {
  if (!mayGrant(granterRole, input.role)) {
    throw new BerthError('FORBIDDEN', `A ${granterRole} cannot create a token with the ${input.role} role`);
  }
  const token = generateToken('berth');
  const row: TokenRow = {
    id: createId('tok'),
    name: input.name,
    hash: hashToken(token),
    role: input.role,
    teamId: team.id,
    createdAt: now,
    lastUsedAt: null,
    expiresAt: input.expiresInDays === undefined ? null : now + input.expiresInDays * DAY_MS,
    revokedAt: null,
  };
  return store.transaction(async (tx) => {
    await tx.tokens.create(row);
    await recordDone(tx, { ...intent, target: `token:${input.name}`, detail: { role: input.role } }, now);
    return { ...(await toTokenView(tx, row)), token };
  });
}

export async function revokeToken(
  store: Store,
  now: number,
  name: string,
  team: TeamRow,
  granterRole: Role,
  intent: AuditIntent,
): Promise<void> {
  await store.transaction(async (tx) => {
    const row = await tx.tokens.findByName(team.id, name);
    if (!row || row.revokedAt !== null) {
      throw new BerthError('TOKEN_NOT_FOUND', `Team ${team.name} has no active token named "${name}"`, {
        hint: 'List them with: berth tokens list',
      });
    }
    if (!mayGrant(granterRole, row.role))
      throw new BerthError('FORBIDDEN', `A ${granterRole} cannot revoke a ${row.role} token`);
    await tx.tokens.revoke(row.id, now);
    await recordDone(tx, intent, now);
  });
}
