import { checkPasswordRules, generateToken, hashPassword, hashToken } from '@berth/crypto';
import { BerthError, type Invitation, type OneTimeToken, type Role, type User } from '@berth/protocol';
import type { MembershipRow, OneTimeTokenRow, Repos, Store, TeamRow, UserRow } from '@berth/store';
import { mayGrant } from '../access/policy.js';
import { recordDone, type AuditIntent } from '../audit/intent.js';
import { createId } from '../ids.js';
import { acceptOwnCreation, invite, toInvitationView } from './invitations.js';

/**
 * Accounts and their roles per team. A team's admin acts on an account only within that team:
 * it sees the account's membership there and nothing else, adds accounts by invitation (which
 * the account accepts), and what it is told never depends on the account's life elsewhere.
 * Nobody grants more than they hold.
 */

const SETUP_TOKEN_MS = 24 * 3_600_000;
const RESET_TOKEN_MS = 3_600_000;

const iso = (ms: number): string => new Date(ms).toISOString();

/** The user as a caller sees it: only memberships of `visibleTeams` (the teams it manages). */
export async function toUserView(
  repos: Repos,
  user: UserRow,
  visibleTeams: ReadonlySet<string>,
): Promise<User> {
  const memberships = [];
  for (const m of await repos.memberships.listForUser(user.id)) {
    if (!visibleTeams.has(m.teamId)) continue;
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

const membershipIn = async (repos: Repos, user: UserRow, team: TeamRow): Promise<MembershipRow | null> =>
  (await repos.memberships.listForUser(user.id)).find((m) => m.teamId === team.id) ?? null;

/**
 * A setup token, when the answer needs one. It is real only for an account this team's pending
 * invitation created, that has no password and no team yet: nobody else has a stake in it. Any
 * other account gets a token of the same form that nothing stores, so the answer reads the
 * same and the token opens nothing (it is refused like a used one).
 */
async function setupFor(
  tx: Repos,
  now: number,
  account: UserRow,
  createdByThisTeam: boolean,
): Promise<OneTimeToken> {
  const own =
    createdByThisTeam &&
    account.passwordHash === null &&
    (await tx.memberships.listForUser(account.id)).length === 0;
  if (own) return issue(tx, account, 'setup', now);
  return { token: generateToken('bot'), purpose: 'setup', expiresAt: iso(now + SETUP_TOKEN_MS) };
}

/**
 * Invites the email into the team, creating the account when the email has none. The answer is
 * the invitation (and a setup token unless a password was given), the same for an email with
 * no account as for one with an account in other teams; only a member of this very team, whom
 * the caller can list anyway, is refused as already there.
 */
export async function createUser(
  store: Store,
  now: number,
  input: { email: string; role: Role; password?: string | undefined },
  team: TeamRow,
  granter: { role: Role; name: string | null },
  intent: AuditIntent,
): Promise<{ invitation: Invitation; setup: OneTimeToken | null }> {
  refuseEscalation(granter.role, input.role);
  if (input.password !== undefined) checkPasswordRules(input.password);
  // Hashed whether or not the account is made here, so the time taken tells nothing either.
  const passwordHash = input.password === undefined ? null : await hashPassword(input.password);
  const email = input.email.toLowerCase();
  return store.transaction(async (tx) => {
    let account = await tx.users.getByEmail(email);
    if (account && (await membershipIn(tx, account, team))) {
      throw new BerthError('USER_EXISTS', `${email} is already in team ${team.name}`, {
        hint: `Change their role with: berth users grant ${email} --team ${team.name} --role ROLE`,
      });
    }
    const created = account === null;
    if (!account) {
      account = {
        id: createId('usr'),
        email,
        passwordHash,
        createdAt: now,
        updatedAt: now,
        disabledAt: null,
      };
      await tx.users.create(account);
      // In no team's log: only installation owners learn which emails have accounts.
      await recordDone(
        tx,
        {
          ...intent,
          action: 'account.create',
          teamId: null,
          target: `user:${email}`,
          detail: { team: team.name },
        },
        now,
      );
    }
    const invitation = await invite(tx, now, {
      email,
      team,
      role: input.role,
      createdAccount: created,
      invitedBy: granter.name,
    });
    const setup = passwordHash === null ? await setupFor(tx, now, account, invitation.createdAccount) : null;
    await recordDone(tx, { ...intent, target: `user:${email}`, detail: { role: input.role } }, now);
    return { invitation: toInvitationView(invitation, team), setup };
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

export type Granted = { kind: 'member'; user: User } | { kind: 'invited'; invitation: Invitation };

/**
 * Changes the role of a member of the team; anyone else (an email with an account elsewhere, or
 * none) is invited, and the answer is the same invitation either way. An admin may not touch an
 * owner.
 */
export async function grant(
  store: Store,
  now: number,
  email: string,
  team: TeamRow,
  role: Role,
  granter: { role: Role; name: string | null; visibleTeams: ReadonlySet<string> },
  intent: AuditIntent,
): Promise<Granted> {
  refuseEscalation(granter.role, role);
  return store.transaction(async (tx) => {
    const user = await tx.users.getByEmail(email);
    const member = user ? await membershipIn(tx, user, team) : null;
    if (user && member) {
      refuseEscalation(granter.role, member.role);
      await tx.memberships.put({ ...member, role });
      await recordDone(tx, { ...intent, detail: { role } }, now);
      return { kind: 'member', user: await toUserView(tx, user, granter.visibleTeams) };
    }
    const pending = await tx.invitations.get(team.id, email, now);
    if (pending) refuseEscalation(granter.role, pending.role);
    const invitation = await invite(tx, now, {
      email,
      team,
      role,
      createdAccount: false,
      invitedBy: granter.name,
    });
    await recordDone(tx, { ...intent, detail: { role, invited: true } }, now);
    return { kind: 'invited', invitation: toInvitationView(invitation, team) };
  });
}

/**
 * Removes a member from the team, or withdraws the team's invitation of the email. Its sessions
 * go on: roles are read on every request, so the team is closed to it at once, and its other
 * teams are not this team's business.
 */
export async function revokeMembership(
  store: Store,
  now: number,
  email: string,
  team: TeamRow,
  granterRole: Role,
  intent: AuditIntent,
): Promise<void> {
  await store.transaction(async (tx) => {
    const user = await tx.users.getByEmail(email);
    const member = user ? await membershipIn(tx, user, team) : null;
    const pending = member ? null : await tx.invitations.get(team.id, email, now);
    if (!member && !pending) {
      throw new BerthError('USER_NOT_FOUND', `${email} is neither in team ${team.name} nor invited to it`, {
        hint: `List them with: berth users list, berth invitations list --team ${team.name}`,
      });
    }
    refuseEscalation(granterRole, member?.role ?? pending?.role ?? 'owner');
    if (user && member) await tx.memberships.remove(user.id, team.id);
    else await tx.invitations.withdraw(team.id, email, now);
    await recordDone(tx, { ...intent, detail: { invitation: member === null } }, now);
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

/**
 * Consumes a setup or reset token and sets the password; every old session of the user ends,
 * and the invitation that came with the account's creation, if still pending, is accepted.
 */
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
      hint: 'Ask an admin for a new one (berth users reset-password EMAIL); if you already have an account, log in and see: berth invitations list',
    },
  );
  await store.transaction(async (tx) => {
    const row = token.length <= 200 ? await tx.oneTimeTokens.findByHash(hashToken(token)) : null;
    if (!row || !(await tx.oneTimeTokens.consume(row.id, now))) throw invalid;
    const user = await tx.users.get(row.userId);
    if (!user) throw invalid;
    await tx.users.setPassword(user.id, hash, now);
    await tx.sessions.revokeAllForUser(user.id, now);
    const self = { ...intent, actorKind: 'user' as const, actorId: user.id, actorName: user.email };
    await recordDone(tx, { ...self, target: `user:${user.email}`, detail: { purpose: row.purpose } }, now);
    await acceptOwnCreation(tx, now, user, self);
  });
}
