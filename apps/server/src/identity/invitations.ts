import type { Invitation, Membership, Role } from '@berth/protocol';
import type { InvitationRow, Repos, TeamRow, UserRow } from '@berth/store';
import { recordDone, type AuditIntent } from '../audit/intent.js';
import { createId } from '../ids.js';

/**
 * Invitations: every new membership starts as one, and only the account with the invited email,
 * logged in as itself, accepts it (or declines). Nothing about an invitation depends on whether
 * the email has an account, so an inviter learns nothing about accounts outside its team.
 */

export const INVITATION_MS = 7 * 86_400_000;

const iso = (ms: number): string => new Date(ms).toISOString();

export const toInvitationView = (row: InvitationRow, team: Pick<TeamRow, 'name'>): Invitation => ({
  team: team.name,
  email: row.email,
  role: row.role,
  invitedBy: row.invitedBy,
  createdAt: iso(row.createdAt),
  expiresAt: iso(row.expiresAt),
});

/** Invites the email into the team (or renews the team's invitation of it). */
export function invite(
  tx: Repos,
  now: number,
  input: { email: string; team: TeamRow; role: Role; createdAccount: boolean; invitedBy: string | null },
): Promise<InvitationRow> {
  return tx.invitations.put({
    id: createId('inv'),
    teamId: input.team.id,
    email: input.email.toLowerCase(),
    role: input.role,
    createdAccount: input.createdAccount,
    invitedBy: input.invitedBy,
    createdAt: now,
    expiresAt: now + INVITATION_MS,
  });
}

/** Makes the invitation a membership of its account; the invitation is gone afterwards. */
export async function accept(
  tx: Repos,
  now: number,
  user: UserRow,
  invitation: InvitationRow,
  intent: AuditIntent,
): Promise<Membership> {
  await tx.memberships.put({
    userId: user.id,
    teamId: invitation.teamId,
    role: invitation.role,
    createdAt: now,
  });
  await tx.invitations.remove(invitation.teamId, invitation.email);
  const team = await tx.teams.get(invitation.teamId);
  await recordDone(
    tx,
    {
      ...intent,
      actorKind: 'user',
      actorId: user.id,
      actorName: user.email,
      action: 'invitation.accept',
      teamId: invitation.teamId,
      target: `user:${user.email}`,
      detail: { role: invitation.role },
    },
    now,
  );
  return { team: team?.name ?? '?', role: invitation.role };
}

/**
 * The invitation that came with the account's creation is accepted by the account's first
 * password or login: that is the account acting as itself, as accepting any other needs.
 */
export async function acceptOwnCreation(
  tx: Repos,
  now: number,
  user: UserRow,
  intent: AuditIntent,
): Promise<void> {
  for (const invitation of await tx.invitations.listForEmail(user.email, now)) {
    if (invitation.createdAccount) await accept(tx, now, user, invitation, intent);
  }
}

export async function decline(
  tx: Repos,
  now: number,
  user: UserRow,
  invitation: InvitationRow,
  intent: AuditIntent,
): Promise<void> {
  await tx.invitations.remove(invitation.teamId, invitation.email);
  await recordDone(
    tx,
    { ...intent, teamId: invitation.teamId, target: `user:${user.email}`, detail: { role: invitation.role } },
    now,
  );
}

/** Invitations with the names of their teams (a team deleted since is left out). */
export async function toInvitationViews(repos: Repos, rows: readonly InvitationRow[]): Promise<Invitation[]> {
  const views: Invitation[] = [];
  for (const row of rows) {
    const team = await repos.teams.get(row.teamId);
    if (team) views.push(toInvitationView(row, team));
  }
  return views;
}
