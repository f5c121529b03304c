import { useAuditVerification } from '../api/audit-queries.js';
import { ProblemAlert } from '../problems/ProblemAlert.js';
import { chainStatus } from './chain-status.js';

/**
 * berthd's check of the whole chain: every row's hash recomputed and compared with the signed
 * head and checkpoints. Verified is a status; broken is an alert, naming the first row at fault.
 */
export function ChainBanner() {
  const verification = useAuditVerification(true);
  const status = verification.data ? chainStatus(verification.data) : null;
  const checkedAt = verification.dataUpdatedAt;

  return (
    <section aria-labelledby="chain-heading" className="chain-section">
      <h2 id="chain-heading" className="visually-hidden">
        Chain verification
      </h2>
      {verification.isPending ? <p aria-live="polite">Verifying the chain…</p> : null}
      {verification.isError ? (
        <ProblemAlert error={verification.error} title="Could not verify the chain" />
      ) : null}
      {status ? (
        <div
          className={status.verified ? 'chain chain-verified' : 'chain chain-broken'}
          role={status.verified ? 'status' : 'alert'}
        >
          <p className="chain-headline">{status.headline}</p>
          {status.details.map((line) => (
            <p key={line} className="chain-detail">
              {line}
            </p>
          ))}
        </div>
      ) : null}
      <div className="chain-actions">
        <button
          type="button"
          className="button button-quiet button-small"
          disabled={verification.isFetching}
          onClick={() => void verification.refetch()}
        >
          {verification.isFetching ? 'Verifying…' : 'Verify again'}
        </button>
        {checkedAt > 0 ? (
          <span className="muted">
            Checked{' '}
            <time dateTime={new Date(checkedAt).toISOString()}>
              {new Date(checkedAt).toLocaleTimeString()}
            </time>
          </span>
        ) : null}
      </div>
    </section>
  );
}
