import { useState } from 'react';
import type { Deployment } from '../api/paths.js';
import { deploymentRunning, deploymentTone, formatDuration } from './app-status.js';
import { DeploymentSteps } from './DeploymentSteps.js';
import { StatusBadge } from './StatusBadge.js';
import { Age, useNow } from './Time.js';

const COLUMNS = 7;

/**
 * An app's deployments as berthd lists them, newest first, each with its steps to show under
 * it. The newest running one shows them unasked, and keeps showing them once it is over, until
 * they are hidden.
 */
export function DeploymentsTable({ deployments }: { deployments: readonly Deployment[] }) {
  const now = useNow();
  // Shown or hidden with the button; otherwise shown when it was the newest running one.
  const [chosen, setChosen] = useState<ReadonlyMap<string, boolean>>(new Map());
  const [unasked, setUnasked] = useState<ReadonlySet<string>>(new Set());
  const newestRunning = deployments.find((d) => deploymentRunning(d.status))?.id;
  if (newestRunning !== undefined && !unasked.has(newestRunning)) {
    setUnasked(new Set(unasked).add(newestRunning));
  }
  const expanded = (id: string): boolean => chosen.get(id) ?? unasked.has(id);
  const toggle = (id: string): void => setChosen(new Map(chosen).set(id, !expanded(id)));

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
            <th scope="col">
              <span className="visually-hidden">Steps</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {deployments.map((d) => (
            <DeploymentRow
              key={d.id}
              deployment={d}
              now={now}
              expanded={expanded(d.id)}
              onToggle={() => toggle(d.id)}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface DeploymentRowProps {
  deployment: Deployment;
  now: number;
  expanded: boolean;
  onToggle: () => void;
}

function DeploymentRow({ deployment: d, now, expanded, onToggle }: DeploymentRowProps) {
  const stepsId = `steps-${d.id}`;
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
        <td className="cell-actions">
          <button
            type="button"
            className="button button-quiet button-small"
            aria-expanded={expanded}
            // Only while it is there: a reference to nothing is an error to checkers.
            aria-controls={expanded ? stepsId : undefined}
            onClick={onToggle}
          >
            {expanded ? 'Hide' : 'Show'} steps of v{d.releaseVersion}
          </button>
        </td>
      </tr>
      {d.error ? (
        <tr className="row-detail">
          <td colSpan={COLUMNS}>
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
      {expanded ? (
        <tr className="row-detail">
          <td colSpan={COLUMNS}>
            <DeploymentSteps deployment={d} id={stepsId} />
          </td>
        </tr>
      ) : null}
    </>
  );
}
