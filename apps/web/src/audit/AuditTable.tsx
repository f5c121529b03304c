import type { AuditRow } from '../api/paths.js';

/** A row's detail as `key=value` pairs: text, whatever the values hold. */
const detailText = (detail: AuditRow['detail']): string =>
  Object.entries(detail)
    .map(([key, value]) => `${key}=${value === null ? 'null' : String(value)}`)
    .join(', ');

const OUTCOME_BADGE: Readonly<Record<AuditRow['outcome'], string>> = {
  ok: 'badge badge-ok',
  denied: 'badge badge-bad',
  failed: 'badge badge-bad',
};

/**
 * Audit rows, newest first. Everything in a row is text someone could have sent (a target, an
 * actor's name, a detail): it is only ever rendered as text. The row the chain breaks at, when
 * berthd found one, is marked.
 */
export function AuditTable({
  rows,
  teamNames,
  brokenAt,
}: {
  rows: readonly AuditRow[];
  teamNames: ReadonlyMap<string, string>;
  brokenAt: number | null;
}) {
  return (
    <div className="table-scroll" role="region" aria-label="Audit rows" tabIndex={0}>
      <table className="table audit-table">
        <thead>
          <tr>
            <th scope="col">Row</th>
            <th scope="col">Time</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">Outcome</th>
            <th scope="col">Team</th>
            <th scope="col">Detail</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const at = new Date(row.at);
            const broken = row.seq === brokenAt;
            return (
              <tr key={row.seq} className={broken ? 'row-broken' : undefined}>
                <th scope="row" className="num">
                  {row.seq}
                  {broken ? <span className="row-broken-note"> chain broken here</span> : null}
                </th>
                <td>
                  <time dateTime={at.toISOString()}>{at.toLocaleString()}</time>
                </td>
                <td>
                  <span className="mono">{row.actorName ?? row.actorKind}</span>
                  {row.actorName !== null && row.actorKind !== 'user' ? (
                    <span className="muted"> ({row.actorKind})</span>
                  ) : null}
                </td>
                <td className="mono">{row.action}</td>
                <td className="mono cell-value">{row.target ?? '—'}</td>
                <td>
                  <span className={OUTCOME_BADGE[row.outcome]}>{row.outcome}</span>
                </td>
                <td>{row.teamId === null ? '—' : (teamNames.get(row.teamId) ?? row.teamId)}</td>
                <td className="mono cell-value">{detailText(row.detail)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
