import { useState } from 'react';
import { mayGrant } from '../access/roles.js';
import type { ApiToken, Role } from '../api/paths.js';
import { useTokens } from '../api/queries.js';
import { useRevokeToken } from '../api/token-changes.js';
import { formatUntil } from '../apps/app-status.js';
import { Age, useNow } from '../apps/Time.js';
import { ConfirmButton } from '../controls/ConfirmButton.js';
import { ProblemAlert } from '../problems/ProblemAlert.js';
import { mayRevoke, tokenState } from './token-state.js';

/**
 * The team's API tokens, revoked and expired ones too. Only who manages the team sees them
 * (berthd refuses the list to others); it revokes those of a role no higher than its own.
 */
export function TokensSection({ team, role }: { team: string; role: Role }) {
  const tokens = useTokens(team);
  const revoke = useRevokeToken(team);
  const now = useNow();
  const [confirming, setConfirming] = useState<string | null>(null);
  const [note, setNote] = useState('');

  const revokeToken = (name: string): void => {
    setNote('');
    revoke.mutate(name, {
      onSuccess: () => {
        setConfirming(null);
        setNote(`Revoked ${name}: it no longer opens the API.`);
      },
    });
  };

  const list = tokens.data ?? [];
  const revocable = (token: ApiToken): boolean => mayRevoke(token) && mayGrant(role, token.role);

  return (
    <section aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">API tokens</h2>
      {tokens.isPending ? <p aria-live="polite">Loading tokens…</p> : null}
      {tokens.isError ? <ProblemAlert error={tokens.error} title="Could not load the tokens" /> : null}
      {tokens.isSuccess && list.length === 0 ? <p>No API tokens in {team} yet.</p> : null}
      {list.length > 0 ? (
        <div className="table-scroll" role="region" aria-label="API tokens" tabIndex={0}>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Last used</th>
                <th scope="col">Expires</th>
                <th scope="col">State</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((token) => (
                <tr key={token.id}>
                  <th scope="row" className="mono">
                    {token.name}
                  </th>
                  <td>{token.role}</td>
                  <td>{token.lastUsedAt ? <Age iso={token.lastUsedAt} now={now} /> : 'never'}</td>
                  <td>
                    {token.expiresAt ? (
                      <time dateTime={token.expiresAt}>{formatUntil(token.expiresAt, now)}</time>
                    ) : (
                      'never'
                    )}
                  </td>
                  <td>{tokenState(token, now)}</td>
                  <td className="cell-actions">
                    {revocable(token) ? (
                      <ConfirmButton
                        label="Revoke"
                        ariaLabel={`Revoke ${token.name}`}
                        confirmLabel={`Confirm revoke ${token.name}`}
                        confirming={confirming === token.name}
                        onAsk={() => setConfirming(token.name)}
                        onCancel={() => setConfirming(null)}
                        onConfirm={() => revokeToken(token.name)}
                        pending={revoke.isPending && revoke.variables === token.name}
                        disabled={revoke.isPending}
                      />
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {revoke.isError ? <ProblemAlert error={revoke.error} title="Could not revoke the token" /> : null}
      <p role="status" className="status-text">
        {note}
      </p>
    </section>
  );
}
