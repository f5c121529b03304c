import { checkPasswordRules, generateToken, hashPassword, hashToken } from '@berth/crypto';
import { BerthError, type OneTimeToken, type Role, type User } from '@berth/protocol';
import type { OneTimeTokenRow, Repos, Store, TeamRow, UserRow } from '@berth/store';
import { mayGrant } from '../access/policy.js';
import { recordDone, type AuditIntent } from '../audit/intent.js';
import { createId } from '../ids.js';

/**
 * Users and their roles per team. Nobody grants more than they hold; a new user either gets a
 * password now or a one-time setup token to choose one; an admin can issue a reset token.
 */

const SETUP_TOKEN_MS = 24 * 3_600_000;
const RESET_TOKEN_MS = 3_600_000;

const iso = (ms: number): string => new Date(ms).toISOString();

export async function toUserView(
  repos: Repos,
  user: UserRow,
  onlyTeams?: ReadonlySet<string>,
): Promise<User> {
  const memberships = [];
  for (const m of await repos.memberships.listForUser(user.id)) {
    if (onlyTeams && !onlyTeams.has(m.teamId)) continue;
    const team = await repos.teams.get(m.teamId);
    if (team) memberships.push({ team: team.name, role: m.role });
  }
  return {
    id: user.id,
    email: user.email,
    hasPassword: user.passwordHash !== null,
    memberships,
    createdAt: iso(user.createdAt),
  };
}

function refuseEscalation(granter: Role, granted: Role): void {
  if (!mayGrant(granter, granted)) {
    throw new BerthError('FORBIDDEN', `A ${granter} cannot grant the ${granted} role`, {
      hint: 'Ask an owner of the team',
    });
  }
}

async function issue(
  tx: Repos,
  user: UserRow,
  purpose: OneTimeTokenRow['purpose'],
  now: number,
): Promise<OneTimeToken> {
  const token = generateToken('bot');
  const expiresAt = now + (purpose === 'setup' ? SETUP_TOKEN_MS : RESET_TOKEN_MS);
  await tx.oneTimeTokens.create({
    id: createId('ott'),
    tokenHash: hashToken(token),
    userId: user.id,
    purpose,
    createdAt: now,
    expiresAt,
    usedAt: null,
  });
  return { token, purpose, expiresAt: iso(expiresAt) };
}

export async function createUser(
  store: Store,
  now: number,
  input: { email: string; role: Role; password?: string | undefined },
  team: TeamRow,
  granterRole: Role,
  intent: AuditIntent,
): Promise<{ user: User; setup: OneTimeToken | null }> {
  refuseEscalation(granterRole, input.role);
  if (input.password !== undefined) checkPasswordRules(input.password);
  const passwordHash = input.password === undefined ? null : await hashPassword(input.password);
  return store.transaction(async (tx) => {
    const user: UserRow = {
      id: createId('usr'),
      email: input.email.toLowerCase(),
      passwordHash,
      createdAt: now,
      updatedAt: now,
      disabledAt: null,
    };
    await tx.users.create(user);
    await tx.memberships.put({ userId: user.id, teamId: team.id, role: input.role, createdAt: now });
    const setup = passwordHash === null ? await issue(tx, user, 'setup', now) : null;
    await recordDone(tx, { ...intent, target: `user:${user.email}`, detail: { role: input.role } }, now);
    return { user: await toUserView(tx, user), setup };
  });
}

export async function requireUser(repos: Repos, email: string): Promise<UserRow> {
  const user = await repos.users.getByEmail(email.toLowerCase());
  if (!user)
    throw new BerthError('USER_NOT_FOUND', `There is no user ${email}`, {
      hint: 'List users with: berth users list',
    });
  return user;
}

/** Adds the user to the team or changes their role; an admin may not touch an owner. */
export async function grant(
  store: Store,
  now: number,
  email: string,
  team: TeamRow,
  role: Role,
  granterRole: Role,
  intent: AuditIntent,
): Promise<User> {
  refuseEscalation(granterRole, role);
  return store.transaction(async (tx) => {
    const user = await requireUser(tx, email);
    const existing = (await tx.memberships.listForUser(user.id)).find((m) => m.teamId === team.id);
    if (existing) refuseEscalation(granterRole, existing.role);
    await tx.memberships.put({
      userId: user.id,
      teamId: team.id,
      role,
      createdAt: existing?.createdAt ?? now,
    });
    await recordDone(tx, { ...intent, detail: { role } }, now);
    return toUserView(tx, user);
  });
}

export async function revokeMembership(
  store: Store,
  now: number,
  email: string,
  team: TeamRow,
  granterRole: Role,
  intent: AuditIntent,
): Promise<void> {
  await store.transaction(async (tx) => {
    const user = await requireUser(tx, email);
    const existing = (await tx.memberships.listForUser(user.id)).find((m) => m.teamId === team.id);
    if (!existing) throw new BerthError('USER_NOT_FOUND', `${email} is not in team ${team.name}`);
    refuseEscalation(granterRole, existing.role);
    await tx.memberships.remove(user.id, team.id);
    await tx.sessions.revokeAllForUser(user.id, now);
    await recordDone(tx, intent, now);
  });
}

export async function issueReset(
  store: Store,
  now: number,
  user: UserRow,
  intent: AuditIntent,
): Promise<OneTimeToken> {
  return store.transaction(async (tx) => {
    const token = await issue(tx, user, 'reset', now);
    await recordDone(tx, intent, now);
    return token;
  });
}

/** Consumes a setup or reset token and sets the password; every old session of the user ends. */
export async function setPassword(
  store: Store,
  now: number,
  token: string,
  password: string,
  intent: AuditIntent,
): Promise<void> {
  checkPasswordRules(password);
  const hash = await hashPassword(password);
  const invalid = new BerthError(
    'TOKEN_INVALID',
    'This one-time token is not valid (unknown, used or expired)',
    {
      hint: 'Ask an admin for a new one: berth users reset-password EMAIL',
    },
  );
  await store.transaction(async (tx) => {
    const row = token.length <= 200 ? await tx.oneTimeTokens.findByHash(hashToken(token)) : null;
    if (!row || !(await tx.oneTimeTokens.consume(row.id, now))) throw invalid;
    const user = await tx.users.get(row.userId);
    if (!user) throw invalid;
    await tx.users.setPassword(user.id, hash, now);
    await tx.sessions.revokeAllForUser(user.id, now);
    await recordDone(
      tx,
      {
        ...intent,
        actorKind: 'user',
        actorId: user.id,
        actorName: user.email,
        target: `user:${user.email}`,
        detail: { purpose: row.purpose },
      },
      now,
    );
  });
}
