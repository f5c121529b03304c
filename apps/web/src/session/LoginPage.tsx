import { useState, type FormEvent } from 'react';
import { ProblemAlert } from '../problems/ProblemAlert.js';
import { AuthFrame } from './AuthFrame.js';
import { useLogIn } from './use-session.js';

interface LoginPageProps {
  /** Set when the user is logged in already (from another tab) and may go back. */
  onCancel?: () => void;
}

export function LoginPage({ onCancel }: LoginPageProps) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const logIn = useLogIn(onCancel);

  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    logIn.mutate({ email: email.trim(), password });
  };

  return (
    <AuthFrame title="Log in">
      <form className="form" onSubmit={submit} aria-describedby={logIn.isError ? 'login-error' : undefined}>
        <div className="field">
          <label htmlFor="login-email">Email</label>
          <input
            id="login-email"
            type="email"
            autoComplete="username"
            required
            maxLength={254}
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="login-password">Password</label>
          <input
            id="login-password"
            type="password"
            autoComplete="current-password"
            required
            maxLength={1024}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </div>
        {logIn.isError ? (
          <div id="login-error">
            <ProblemAlert error={logIn.error} title="Could not log in" />
          </div>
        ) : null}
        <div className="form-actions">
          <button type="submit" className="button" disabled={logIn.isPending}>
            {logIn.isPending ? 'Logging in…' : 'Log in'}
          </button>
          {onCancel ? (
            <button type="button" className="button button-quiet" onClick={onCancel}>
              Cancel
            </button>
          ) : null}
        </div>
      </form>
    </AuthFrame>
  );
}
