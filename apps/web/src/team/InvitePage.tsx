import { useState, type FormEvent } from 'react';
import { useSetPassword } from '../api/team-changes.js';
import { ProblemAlert } from '../problems/ProblemAlert.js';
import { Link } from '../routing/Link.js';
import { navigate } from '../routing/navigation.js';
import { AuthFrame } from '../session/AuthFrame.js';
import { useLogIn } from '../session/use-session.js';

/** berthd's password rule (packages/protocol Password): checked there too. */
const MIN_PASSWORD = 10;

/**
 * `/invite#TOKEN`: the link a team's admin sent. The token (taken from the address bar before
 * the first render, main.tsx) sets the new account's password once; setting it accepts the
 * invitation, and the person is logged in and lands on the team page.
 */
export function InvitePage({ token }: { token: string | null }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  // The token works once: after the password is set, a failed login is retried alone.
  const [passwordSet, setPasswordSet] = useState(false);
  const setNew = useSetPassword();
  const logIn = useLogIn(() => navigate({ kind: 'team', team: null }, { replace: true }));
  const mismatch = repeat !== '' && repeat !== password;
  const pending = setNew.isPending || logIn.isPending;

  if (token === null) {
    return (
      <AuthFrame title="Join a team">
        <p>
          Open the invite link you were sent: it ends with <code>/invite#</code> and a token, and works once.
        </p>
        <p>
          Have an account already? <Link to={{ kind: 'login' }}>Log in</Link>, then accept the invitation on
          the Team page.
        </p>
      </AuthFrame>
    );
  }

  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    if (mismatch || pending) return;
    const credentials = { email: email.trim(), password };
    if (passwordSet) {
      logIn.mutate(credentials);
      return;
    }
    setNew.mutate(
      { token, password },
      {
        onSuccess: () => {
          setPasswordSet(true);
          logIn.mutate(credentials);
        },
      },
    );
  };

  return (
    <AuthFrame title="Join a team">
      <p>
        You were invited to a team on this Berth. Choose your password: you log in with your email and it from
        now on.
      </p>
      <form className="form" onSubmit={submit}>
        <div className="field">
          <label htmlFor="invite-email">Email</label>
          <input
            id="invite-email"
            type="email"
            autoComplete="username"
            required
            maxLength={254}
            aria-describedby="invite-email-help"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
          <p id="invite-email-help" className="field-help">
            The address you were invited with.
          </p>
        </div>
        <div className="field">
          <label htmlFor="invite-password">Password</label>
          <input
            id="invite-password"
            type="password"
            autoComplete="new-password"
            required
            minLength={MIN_PASSWORD}
            maxLength={1024}
            disabled={passwordSet}
            aria-describedby="invite-password-rule"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <p id="invite-password-rule" className="field-help">
            At least {MIN_PASSWORD} characters.
          </p>
        </div>
        <div className="field">
          <label htmlFor="invite-repeat">Password again</label>
          <input
            id="invite-repeat"
            type="password"
            autoComplete="new-password"
            required
            maxLength={1024}
            disabled={passwordSet}
            aria-invalid={mismatch}
            aria-describedby={mismatch ? 'invite-repeat-error' : undefined}
            value={repeat}
            onChange={(e) => setRepeat(e.target.value)}
          />
          {mismatch ? (
            <p id="invite-repeat-error" className="field-error">
              The passwords differ.
            </p>
          ) : null}
        </div>
        {setNew.isError ? <ProblemAlert error={setNew.error} title="Could not set the password" /> : null}
        {logIn.isError ? (
          <ProblemAlert error={logIn.error} title="Your password is set, but logging in failed" />
        ) : null}
        <div className="form-actions">
          <button type="submit" className="button" disabled={pending || mismatch}>
            {pending ? 'Saving…' : passwordSet ? 'Log in' : 'Set password and log in'}
          </button>
        </div>
      </form>
    </AuthFrame>
  );
}
