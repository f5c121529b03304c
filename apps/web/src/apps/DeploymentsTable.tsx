import type { Deployment } from '../api/paths.js';
import { deploymentTone, formatDuration } from './app-status.js';
import { StatusBadge } from './StatusBadge.js';
import { Age, useNow } from './Time.js';

/** An app's deployments as berthd lists them, newest first. */
export function DeploymentsTable({ deployments }: { deployments: readonly Deployment[] }) {
  const now = useNow();
  return (
    <div className="table-scroll" role="region" aria-label="Deployments" tabIndex={0}>
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Release</th>
            <th scope="col">Kind</th>
            <th scope="col">Status</th>
            <th scope="col">Replicas</th>
            <th scope="col">Started</th>
            <th scope="col">Took</th>
          </tr>
        </thead>
        <tbody>
          {deployments.map((d) => (
            <DeploymentRow key={d.id} deployment={d} now={now} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function DeploymentRow({ deployment: d, now }: { deployment: Deployment; now: number }) {
  return (
    <>
      <tr>
        <th scope="row">
          v{d.releaseVersion}
          {d.build ? <span className="muted"> (build {d.build.number})</span> : null}
        </th>
        <td>{d.kind}</td>
        <td>
          <StatusBadge status={d.status} tone={deploymentTone(d.status)} />
        </td>
        <td className="num">{d.replicas}</td>
        <td>
          <Age iso={d.startedAt ?? d.createdAt} now={now} />
        </td>
        <td>{formatDuration(d.startedAt, d.finishedAt) ?? '–'}</td>
      </tr>
      {d.error ? (
        <tr className="row-detail">
          <td colSpan={6}>
            <p className="error-text">
              <span className="mono">{d.error.code}</span>: {d.error.message}
            </p>
            {d.error.logs.length > 0 ? (
              <details>
                <summary>Last log lines</summary>
                <pre className="logs">{d.error.logs.join('\n')}</pre>
              </details>
            ) : null}
          </td>
        </tr>
      ) : null}
    </>
  );
}
