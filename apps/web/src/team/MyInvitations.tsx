import { useState } from 'react';
import { useAnswerInvitation } from '../api/team-changes.js';
import { useMyInvitations } from '../api/team-queries.js';
import { formatUntil } from '../apps/app-status.js';
import { useNow } from '../apps/Time.js';
import { ProblemAlert } from '../problems/ProblemAlert.js';

/**
 * The user's own pending invitations: an account that existed before it was invited joins a
 * team here (a new account joins by setting its password with the invite link). Shows nothing
 * when there are none.
 */
export function MyInvitations() {
  const invitations = useMyInvitations();
  const answer = useAnswerInvitation();
  const now = useNow();
  const [note, setNote] = useState('');

  const reply = (team: string, choice: 'accept' | 'decline'): void => {
    setNote('');
    answer.mutate(
      { team, answer: choice },
      {
        onSuccess: () =>
          setNote(choice === 'accept' ? `You joined ${team}.` : `Declined the invitation into ${team}.`),
      },
    );
  };

  const list = invitations.data ?? [];
  if (list.length === 0 && note === '' && !answer.isError) return null;
  return (
    <section aria-labelledby="my-invitations-heading">
      <h2 id="my-invitations-heading">Your invitations</h2>
      {list.length > 0 ? (
        <ul className="invitation-list">
          {list.map((invitation) => (
            <li key={invitation.team} className="invitation">
              <span>
                Team <strong>{invitation.team}</strong> as {invitation.role}
                {invitation.invitedBy ? (
                  <>
                    , from <span className="mono">{invitation.invitedBy}</span>
                  </>
                ) : null}
                ; expires{' '}
                <time dateTime={invitation.expiresAt}>{formatUntil(invitation.expiresAt, now)}</time>.
              </span>
              <span className="form-actions">
                <button
                  type="button"
                  className="button button-small"
                  aria-label={`Accept the invitation into ${invitation.team}`}
                  disabled={answer.isPending}
                  onClick={() => reply(invitation.team, 'accept')}
                >
                  Accept
                </button>
                <button
                  type="button"
                  className="button button-quiet button-small"
                  aria-label={`Decline the invitation into ${invitation.team}`}
                  disabled={answer.isPending}
                  onClick={() => reply(invitation.team, 'decline')}
                >
                  Decline
                </button>
              </span>
            </li>
          ))}
        </ul>
      ) : null}
      {answer.isError ? <ProblemAlert error={answer.error} title="Could not answer the invitation" /> : null}
      <p role="status" className="status-text">
        {note}
      </p>
    </section>
  );
}
