import { useRef, useState, type FormEvent } from 'react';
import type { NewInvitation, Role } from '../api/paths.js';
import { useInvite } from '../api/team-changes.js';
import { FieldNote, fieldNoteId } from '../controls/FieldNote.js';
import { ProblemAlert } from '../problems/ProblemAlert.js';
import { InviteLinkNotice } from './InviteLinkNotice.js';
import { isEmail } from './members.js';

/** A new invitation into the team by one-time link, with a role no higher than the user's own. */
export function InviteForm({ team, roles }: { team: string; roles: readonly Role[] }) {
  const invite = useInvite(team);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>(roles[0] ?? 'viewer');
  const [invalid, setInvalid] = useState<string | null>(null);
  // The answer with the link's token, held only here: gone with Done or when the page is left.
  const [made, setMade] = useState<NewInvitation | null>(null);
  const emailField = useRef<HTMLInputElement>(null);

  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const trimmed = email.trim();
    if (!isEmail(trimmed)) {
      setInvalid('Not an email address: it reads like ada@example.com.');
      emailField.current?.focus();
      return;
    }
    setInvalid(null);
    setMade(null);
    invite.mutate(
      { email: trimmed, role },
      {
        onSuccess: (answer) => {
          setMade(answer);
          setEmail('');
          // Drops the answer (and the token in it) from the mutation cache: gcTime is 0.
          invite.reset();
        },
      },
    );
  };

  return (
    <>
      {made ? <InviteLinkNotice invitation={made} onDone={() => setMade(null)} /> : null}
      <form className="change-form" onSubmit={submit} noValidate aria-label="Invite someone">
        <div className="inline-fields">
          <div className="field">
            <label htmlFor="invite-email">Email to invite</label>
            <input
              ref={emailField}
              id="invite-email"
              type="email"
              autoComplete="off"
              spellCheck={false}
              required
              maxLength={254}
              aria-invalid={invalid !== null}
              aria-describedby={fieldNoteId('invite-email', invalid)}
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          </div>
          <div className="field field-narrow">
            <label htmlFor="invite-role">Invite as</label>
            <select id="invite-role" value={role} onChange={(e) => setRole(roleOf(roles, e.target.value))}>
              {roles.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" className="button" disabled={invite.isPending}>
            {invite.isPending ? 'Inviting…' : 'Invite'}
          </button>
        </div>
        <FieldNote id="invite-email" error={invalid}>
          You get a one-time link to send them; the role is at most your own.
        </FieldNote>
      </form>
      {invite.isError ? <ProblemAlert error={invite.error} title="Could not invite" /> : null}
    </>
  );
}

/** The option chosen, as a role (the select offers only `roles`). */
const roleOf = (roles: readonly Role[], value: string): Role =>
  roles.find((r) => r === value) ?? roles[0] ?? 'viewer';
