import { useState } from 'react';
import type { Role } from '../api/paths.js';
import { useChangeRole, useRemoveFromTeam } from '../api/team-changes.js';
import { useMembers } from '../api/team-queries.js';
import { ConfirmButton } from '../controls/ConfirmButton.js';
import { ProblemAlert } from '../problems/ProblemAlert.js';
import { memberControls } from './members.js';

/**
 * The team's members and their roles here, for who manages the team: a role changes (up to the
 * user's own), a member leaves the team. Nothing here reaches past this team: berthd answers
 * each account with only the memberships of teams the user manages.
 */
export function MembersSection({ team, role, me }: { team: string; role: Role; me: string }) {
  const members = useMembers(team, true);
  const change = useChangeRole(team);
  const remove = useRemoveFromTeam(team);
  // The role picked in each row, until it is saved.
  const [picked, setPicked] = useState<Readonly<Record<string, Role>>>({});
  const [confirming, setConfirming] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const busy = change.isPending || remove.isPending;

  const save = (email: string, next: Role): void => {
    setNote('');
    change.mutate(
      { email, role: next },
      {
        onSuccess: () => {
          setPicked(({ [email]: _saved, ...rest }) => rest);
          setNote(`${email} is now ${next} in ${team}.`);
        },
      },
    );
  };

  const removeMember = (email: string): void => {
    setNote('');
    remove.mutate(email, {
      onSuccess: () => {
        setConfirming(null);
        setNote(`Removed ${email} from ${team}.`);
      },
    });
  };

  const list = members.data ?? [];
  return (
    <section aria-labelledby="members-heading">
      <h2 id="members-heading">Members</h2>
      {members.isPending ? <p aria-live="polite">Loading members…</p> : null}
      {members.isError ? <ProblemAlert error={members.error} title="Could not load the members" /> : null}
      {members.isSuccess && list.length === 0 ? <p>No members in {team} yet.</p> : null}
      {list.length > 0 ? (
        <div className="table-scroll" role="region" aria-label="Members" tabIndex={0}>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((member) => {
                const controls = memberControls(role, me, member);
                const chosen = picked[member.email] ?? member.role;
                return (
                  <tr key={member.id}>
                    <th scope="row" className="mono">
                      {member.email}
                      {member.email.toLowerCase() === me.toLowerCase() ? (
                        <span className="muted"> (you)</span>
                      ) : null}
                    </th>
                    <td>
                      {controls.roles.length > 0 ? (
                        <span className="role-change">
                          <select
                            aria-label={`Role of ${member.email}`}
                            value={chosen}
                            disabled={busy}
                            onChange={(e) =>
                              setPicked((p) => ({
                                ...p,
                                [member.email]: roleOf(controls.roles, e.target.value),
                              }))
                            }
                          >
                            {controls.roles.map((r) => (
                              <option key={r} value={r}>
                                {r}
                              </option>
                            ))}
                          </select>
                          <button
                            type="button"
                            className="button button-quiet button-small"
                            aria-label={`Change role of ${member.email}`}
                            disabled={busy || chosen === member.role}
                            onClick={() => save(member.email, chosen)}
                          >
                            {change.isPending && change.variables.email === member.email
                              ? 'Saving…'
                              : 'Change'}
                          </button>
                        </span>
                      ) : (
                        member.role
                      )}
                    </td>
                    <td className="cell-actions">
                      {controls.remove ? (
                        <ConfirmButton
                          label="Remove"
                          ariaLabel={`Remove ${member.email}`}
                          confirmLabel={`Confirm remove ${member.email}`}
                          confirming={confirming === member.email}
                          onAsk={() => setConfirming(member.email)}
                          onCancel={() => setConfirming(null)}
                          onConfirm={() => removeMember(member.email)}
                          pending={remove.isPending && remove.variables === member.email}
                          disabled={busy}
                        />
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
      {change.isError ? <ProblemAlert error={change.error} title="Could not change the role" /> : null}
      {remove.isError ? <ProblemAlert error={remove.error} title="Could not remove the member" /> : null}
      <p role="status" className="status-text">
        {note}
      </p>
    </section>
  );
}

/** The option chosen, as a role (the select offers only `roles`). */
const roleOf = (roles: readonly Role[], value: string): Role =>
  roles.find((r) => r === value) ?? roles[0] ?? 'viewer';
