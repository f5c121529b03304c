import { useRef, useState, type FormEvent } from 'react';
import type { NewApiToken, Role } from '../api/paths.js';
import { useCreateToken } from '../api/token-changes.js';
import { ProblemAlert } from '../problems/ProblemAlert.js';
import { NewTokenNotice } from './NewTokenNotice.js';
import { isTokenName, MAX_EXPIRY_DAYS, parseExpiryDays, TOKEN_NAME_RULE } from './token-state.js';

interface CreateTokenFormProps {
  team: string;
  /** The roles the user may hand out, least first (grantableRoles); never empty here. */
  roles: readonly Role[];
}

/** A new API token for the team, with a role no higher than the user's own. */
export function CreateTokenForm({ team, roles }: CreateTokenFormProps) {
  const create = useCreateToken(team);
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>(roles[0] ?? 'viewer');
  const [days, setDays] = useState('');
  const [invalid, setInvalid] = useState<{ field: 'name' | 'days'; message: string } | null>(null);
  // The value berthd answered, held only here: gone with Done or when the page is left.
  const [created, setCreated] = useState<NewApiToken | null>(null);
  const nameField = useRef<HTMLInputElement>(null);
  const daysField = useRef<HTMLInputElement>(null);

  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const trimmed = name.trim();
    const expiry = parseExpiryDays(days);
    if (!isTokenName(trimmed)) {
      setInvalid({ field: 'name', message: `Not a token name. ${TOKEN_NAME_RULE}` });
      nameField.current?.focus();
      return;
    }
    if (!expiry.ok) {
      setInvalid({ field: 'days', message: expiry.error });
      daysField.current?.focus();
      return;
    }
    setInvalid(null);
    setCreated(null);
    const request = {
      name: trimmed,
      role,
      ...(expiry.value === null ? {} : { expiresInDays: expiry.value }),
    };
    create.mutate(request, {
      onSuccess: (token) => {
        setCreated(token);
        setName('');
        setDays('');
        // Drops the answer (and the token in it) from the mutation cache: gcTime is 0.
        create.reset();
      },
    });
  };

  const describedBy = (field: 'name' | 'days', help: string): string =>
    invalid?.field === field ? 'token-error' : help;

  return (
    <section aria-labelledby="create-token-heading">
      <h2 id="create-token-heading">Create a token</h2>
      {created ? <NewTokenNotice token={created} onDone={() => setCreated(null)} /> : null}
      <form className="change-form" onSubmit={submit} noValidate>
        <div className="inline-fields">
          <div className="field">
            <label htmlFor="token-name">Token name</label>
            <input
              ref={nameField}
              id="token-name"
              type="text"
              className="mono"
              autoComplete="off"
              spellCheck={false}
              required
              maxLength={64}
              aria-invalid={invalid?.field === 'name'}
              aria-describedby={describedBy('name', 'token-name-help')}
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
          </div>
          <div className="field field-narrow">
            <label htmlFor="token-role">Role</label>
            <select id="token-role" value={role} onChange={(e) => setRole(roleOf(roles, e.target.value))}>
              {roles.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </div>
          <div className="field field-narrow">
            <label htmlFor="token-days">Expires in days</label>
            <input
              ref={daysField}
              id="token-days"
              type="number"
              inputMode="numeric"
              min={1}
              max={MAX_EXPIRY_DAYS}
              step={1}
              aria-invalid={invalid?.field === 'days'}
              aria-describedby={describedBy('days', 'token-days-help')}
              value={days}
              onChange={(e) => setDays(e.target.value)}
            />
          </div>
          <button type="submit" className="button" disabled={create.isPending}>
            {create.isPending ? 'Saving…' : 'Create token'}
          </button>
        </div>
        {invalid ? (
          <p id="token-error" className="field-error">
            {invalid.message}
          </p>
        ) : null}
        <p id="token-name-help" className="field-help">
          {TOKEN_NAME_RULE} The role is at most your own.
        </p>
        <p id="token-days-help" className="field-help">
          Leave the days empty for a token that does not expire.
        </p>
      </form>
      {create.isError ? <ProblemAlert error={create.error} title="Could not create the token" /> : null}
    </section>
  );
}

/** The option chosen, as a role (the select offers only `roles`). */
const roleOf = (roles: readonly Role[], value: string): Role =>
  roles.find((r) => r === value) ?? roles[0] ?? 'viewer';
