import type { InvitationsRecord } from '../schema.js';
import type { InvitationRepo, InvitationRow } from '../types-identity.js';
import type { Db } from './db.js';

/** Invitations into teams, keyed by (team, lowercased email). */
export function createInvitationRepo(db: Db): InvitationRepo {
  const email = (e: string): string => e.toLowerCase();
  return {
    async put(row) {
      // One statement either way, so two invitations racing cannot become a duplicate-key error.
      const r = await db
        .insertInto('invitations')
        .values({
          id: row.id,
          team_id: row.teamId,
          email: email(row.email),
          role: row.role,
          created_account: row.createdAccount ? 1 : 0,
          invited_by: row.invitedBy,
          created_at: row.createdAt,
          expires_at: row.expiresAt,
        })
        .onConflict((oc) =>
          oc.columns(['team_id', 'email']).doUpdateSet((eb) => ({
            role: row.role,
            invited_by: row.invitedBy,
            created_at: row.createdAt,
            expires_at: row.expiresAt,
            created_account: row.createdAccount ? 1 : eb.ref('invitations.created_account'),
          })),
        )
        .returningAll()
        .executeTakeFirstOrThrow();
      return toInvitationRow(r);
    },

    async get(teamId, address, now) {
      const r = await db
        .selectFrom('invitations')
        .selectAll()
        .where('team_id', '=', teamId)
        .where('email', '=', email(address))
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return r ? toInvitationRow(r) : null;
    },

    async listForEmail(address, now) {
      const rows = await db
        .selectFrom('invitations')
        .selectAll()
        .where('email', '=', email(address))
        .where('expires_at', '>', now)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(toInvitationRow);
    },

    async listForTeam(teamId, now) {
      const rows = await db
        .selectFrom('invitations')
        .selectAll()
        .where('team_id', '=', teamId)
        .where('expires_at', '>', now)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(toInvitationRow);
    },

    async withdraw(teamId, address, now) {
      const res = await db
        .updateTable('invitations')
        .set({ expires_at: now })
        .where('team_id', '=', teamId)
        .where('email', '=', email(address))
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return res.numUpdatedRows > 0n;
    },

    async remove(teamId, address) {
      const res = await db
        .deleteFrom('invitations')
        .where('team_id', '=', teamId)
        .where('email', '=', email(address))
        .executeTakeFirst();
      return res.numDeletedRows > 0n;
    },
  };
}

const toInvitationRow = (r: InvitationsRecord): InvitationRow => ({
  id: r.id,
  teamId: r.team_id,
  email: r.email,
  role: r.role,
  createdAccount: Number(r.created_account) === 1,
  invitedBy: r.invited_by,
  createdAt: Number(r.created_at),
  expiresAt: Number(r.expires_at),
});
