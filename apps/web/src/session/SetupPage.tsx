import { useState, type FormEvent } from 'react';
import { ProblemAlert } from '../problems/ProblemAlert.js';
import { Link } from '../routing/Link.js';
import { navigate } from '../routing/navigation.js';
import { AuthFrame } from './AuthFrame.js';
import { useSetUp } from './use-session.js';

/** berthd's password rule (packages/protocol Password): checked there too. */
const MIN_PASSWORD = 10;

/**
 * The first owner's account, named with the one-time link `berth up` prints (`/setup#TOKEN`).
 * The token was taken from the address bar before the first render (main.tsx).
 */
export function SetupPage({ token }: { token: string | null }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const setUp = useSetUp(() => navigate({ kind: 'overview', team: null }, { replace: true }));
  const mismatch = repeat !== '' && repeat !== password;

  if (token === null) {
    return (
      <AuthFrame title="Set up Berth">
        <p>
          Open the setup link that <code>berth up</code> printed: it ends with <code>/setup#</code> and a
          token, and works once, for an hour.
        </p>
        <p>
          Set up already? <Link to={{ kind: 'login' }}>Log in</Link>.
        </p>
      </AuthFrame>
    );
  }

  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    if (mismatch) return;
    setUp.mutate({ token, email: email.trim(), password });
  };

  return (
    <AuthFrame title="Set up Berth">
      <p>Name the owner of this installation. You log in with these from now on.</p>
      <form className="form" onSubmit={submit}>
        <div className="field">
          <label htmlFor="setup-email">Email</label>
          <input
            id="setup-email"
            type="email"
            autoComplete="username"
            required
            maxLength={254}
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="setup-password">Password</label>
          <input
            id="setup-password"
            type="password"
            autoComplete="new-password"
            required
            minLength={MIN_PASSWORD}
            maxLength={1024}
            aria-describedby="setup-password-rule"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <p id="setup-password-rule" className="field-help">
            At least {MIN_PASSWORD} characters.
          </p>
        </div>
        <div className="field">
          <label htmlFor="setup-repeat">Password again</label>
          <input
            id="setup-repeat"
            type="password"
            autoComplete="new-password"
            required
            maxLength={1024}
            aria-invalid={mismatch}
            aria-describedby={mismatch ? 'setup-repeat-error' : undefined}
            value={repeat}
            onChange={(e) => setRepeat(e.target.value)}
          />
          {mismatch ? (
            <p id="setup-repeat-error" className="field-error">
              The passwords differ.
            </p>
          ) : null}
        </div>
        {setUp.isError ? (
          <ProblemAlert
            error={setUp.error}
            title={
              setUp.created
                ? 'The owner account exists, but logging in failed'
                : 'Could not set up the owner account'
            }
          />
        ) : null}
        <div className="form-actions">
          <button type="submit" className="button" disabled={setUp.isPending || mismatch}>
            {setUp.isPending ? 'Setting up…' : setUp.created ? 'Log in' : 'Create owner and log in'}
          </button>
        </div>
      </form>
    </AuthFrame>
  );
}
