import { useState } from 'react';
import type { Role } from '../api/paths.js';
import { useRemoveFromTeam } from '../api/team-changes.js';
import { useTeamInvitations } from '../api/team-queries.js';
import { formatUntil } from '../apps/app-status.js';
import { useNow } from '../apps/Time.js';
import { ConfirmButton } from '../controls/ConfirmButton.js';
import { ProblemAlert } from '../problems/ProblemAlert.js';
import { InviteForm } from './InviteForm.js';
import { mayWithdraw } from './members.js';

/**
 * Invitations into the team: a new one by one-time link, and those still pending, which who
 * manages the team may withdraw (up to its own role).
 */
export function InvitationsSection({
  team,
  role,
  roles,
}: {
  team: string;
  role: Role;
  roles: readonly Role[];
}) {
  const invitations = useTeamInvitations(team, true);
  const withdraw = useRemoveFromTeam(team);
  const now = useNow();
  const [confirming, setConfirming] = useState<string | null>(null);
  const [note, setNote] = useState('');

  const withdrawInvitation = (email: string): void => {
    setNote('');
    withdraw.mutate(email, {
      onSuccess: () => {
        setConfirming(null);
        setNote(`Withdrew the invitation of ${email}: its link opens nothing now.`);
      },
    });
  };

  const list = invitations.data ?? [];
  return (
    <section aria-labelledby="invitations-heading">
      <h2 id="invitations-heading">Invitations</h2>
      <InviteForm team={team} roles={roles} />
      <h3 id="pending-heading">Pending</h3>
      {invitations.isPending ? <p aria-live="polite">Loading invitations…</p> : null}
      {invitations.isError ? (
        <ProblemAlert error={invitations.error} title="Could not load the invitations" />
      ) : null}
      {invitations.isSuccess && list.length === 0 ? <p>No pending invitations.</p> : null}
      {list.length > 0 ? (
        <div className="table-scroll" role="region" aria-labelledby="pending-heading" tabIndex={0}>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Invited by</th>
                <th scope="col">Expires</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((invitation) => (
                <tr key={invitation.email}>
                  <th scope="row" className="mono">
                    {invitation.email}
                  </th>
                  <td>{invitation.role}</td>
                  <td className="mono">{invitation.invitedBy ?? '—'}</td>
                  <td>
                    <time dateTime={invitation.expiresAt}>{formatUntil(invitation.expiresAt, now)}</time>
                  </td>
                  <td className="cell-actions">
                    {mayWithdraw(role, invitation.role) ? (
                      <ConfirmButton
                        label="Withdraw"
                        ariaLabel={`Withdraw the invitation of ${invitation.email}`}
                        confirmLabel={`Confirm withdraw ${invitation.email}`}
                        confirming={confirming === invitation.email}
                        onAsk={() => setConfirming(invitation.email)}
                        onCancel={() => setConfirming(null)}
                        onConfirm={() => withdrawInvitation(invitation.email)}
                        pending={withdraw.isPending && withdraw.variables === invitation.email}
                        disabled={withdraw.isPending}
                      />
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {withdraw.isError ? (
        <ProblemAlert error={withdraw.error} title="Could not withdraw the invitation" />
      ) : null}
      <p role="status" className="status-text">
        {note}
      </p>
    </section>
  );
}
