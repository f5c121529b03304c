import type { App } from '../api/paths.js';
import { useDomains } from '../api/queries.js';
import { ProblemAlert } from '../problems/ProblemAlert.js';
import { certificateDetail, certificateTone, domainRole } from './domains.js';
import { StatusBadge } from './StatusBadge.js';
import { useNow } from './Time.js';

/**
 * The names an app is served at (its default name under the installation's domain, then its
 * custom domains) with the state of each one's certificate: issued (by whom, until when),
 * pending, renewing or failed (with the CA's last word, as text).
 */
export function DomainsPanel({ app }: { app: App }) {
  const domains = useDomains(app.name);
  const now = useNow();
  const list = domains.data ?? [];
  const custom = list.filter((d) => d.kind !== 'default').length;

  return (
    <section aria-labelledby="domains-heading">
      <h2 id="domains-heading">Domains</h2>
      {domains.isPending ? <p aria-live="polite">Loading domains…</p> : null}
      {domains.isError ? <ProblemAlert error={domains.error} title="Could not load the domains" /> : null}
      {list.length > 0 ? (
        <div className="table-scroll" role="region" aria-label="Domains" tabIndex={0}>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">Certificate</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {list.map((d) => (
                <tr key={d.name}>
                  <th scope="row" className="mono">
                    {d.name}
                  </th>
                  <td>{domainRole(d)}</td>
                  <td>
                    <StatusBadge status={d.status} tone={certificateTone(d, now)} />
                  </td>
                  <td className="cell-value">{certificateDetail(d, now)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {domains.isSuccess && custom === 0 ? (
        <p className="muted">
          No custom domains. Add one with{' '}
          <span className="mono">berth domains add {app.name} example.com</span>.
        </p>
      ) : null}
    </section>
  );
}
