import { useState } from 'react';
import { useCancelBuild } from '../api/build-changes.js';
import type { App, Build } from '../api/paths.js';
import { useBuilds } from '../api/queries.js';
import { ProblemAlert } from '../problems/ProblemAlert.js';
import { formatDuration } from './app-status.js';
import { buildRunning, buildTone, describeBuildSource } from './build-log.js';
import { BuildLog } from './BuildLog.js';
import { StatusBadge } from './StatusBadge.js';
import { Age, useNow } from './Time.js';

const COLUMNS = 7;

interface BuildsPanelProps {
  app: App;
  /** May read build logs (app:logs). */
  canReadLogs: boolean;
  /** May cancel a build (app:deploy). */
  canCancel: boolean;
}

/**
 * An app's builds from source (a git app's deploys, a pushed commit, an uploaded directory),
 * newest first: status, commit and its subject (text, as the commit wrote it), source, builder,
 * time. The newest build under way shows its log unasked, live; who may deploy cancels it.
 */
export function BuildsPanel({ app, canReadLogs, canCancel }: BuildsPanelProps) {
  const builds = useBuilds(app.name);
  const cancel = useCancelBuild(app.name);
  const now = useNow();
  const [chosen, setChosen] = useState<ReadonlyMap<number, boolean>>(new Map());
  const [unasked, setUnasked] = useState<ReadonlySet<number>>(new Set());
  const [note, setNote] = useState('');
  const list = builds.data ?? [];
  const newestRunning = list.find((b) => buildRunning(b.status))?.number;
  if (canReadLogs && newestRunning !== undefined && !unasked.has(newestRunning)) {
    setUnasked(new Set(unasked).add(newestRunning));
  }
  const expanded = (n: number): boolean => canReadLogs && (chosen.get(n) ?? unasked.has(n));
  const toggle = (n: number): void => setChosen(new Map(chosen).set(n, !expanded(n)));

  const cancelBuild = (n: number): void => {
    setNote('');
    cancel.mutate(n, {
      onSuccess: () =>
        setNote(`Cancelling build #${n}: its deployment fails, the current release keeps serving.`),
    });
  };

  return (
    <section aria-labelledby="builds-heading">
      <h2 id="builds-heading">Builds</h2>
      {builds.isPending ? <p aria-live="polite">Loading builds…</p> : null}
      {builds.isError ? <ProblemAlert error={builds.error} title="Could not load the builds" /> : null}
      {builds.isSuccess && list.length === 0 ? (
        <p>
          No builds yet.{' '}
          {app.source
            ? 'Deploying the app builds it from its source.'
            : 'An app that runs an image is built only when a directory is deployed to it (berth deploy DIR).'}
        </p>
      ) : null}
      {list.length > 0 ? (
        <div className="table-scroll" role="region" aria-label="Builds" tabIndex={0}>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Build</th>
                <th scope="col">Status</th>
                <th scope="col">Commit</th>
                <th scope="col">Source</th>
                <th scope="col">Started</th>
                <th scope="col">Took</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((b) => (
                <BuildRow
                  key={b.number}
                  app={app.name}
                  build={b}
                  now={now}
                  expanded={expanded(b.number)}
                  onToggle={canReadLogs ? () => toggle(b.number) : null}
                  onCancel={canCancel && buildRunning(b.status) ? () => cancelBuild(b.number) : null}
                  cancelling={cancel.isPending && cancel.variables === b.number}
                  busy={cancel.isPending}
                />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {cancel.isError ? <ProblemAlert error={cancel.error} title="Could not cancel the build" /> : null}
      <p role="status" className="status-text">
        {note}
      </p>
    </section>
  );
}

interface BuildRowProps {
  app: string;
  build: Build;
  now: number;
  expanded: boolean;
  /** Null: the log is not for this user (no logs permission). */
  onToggle: (() => void) | null;
  /** Null: not cancellable (over, or not for this user). */
  onCancel: (() => void) | null;
  cancelling: boolean;
  busy: boolean;
}

function BuildRow({ app, build: b, now, expanded, onToggle, onCancel, cancelling, busy }: BuildRowProps) {
  const logId = `build-log-${b.number}`;
  return (
    <>
      <tr>
        <th scope="row">
          #{b.number}
          <span className="muted"> ({b.trigger})</span>
        </th>
        <td>
          <StatusBadge status={b.status} tone={buildTone(b.status)} />
        </td>
        <td className="cell-commit">
          {b.commit ? (
            <span className="mono" title={b.commit}>
              {b.commit.slice(0, 12)}
            </span>
          ) : (
            '–'
          )}
          {b.subject ? <span className="commit-subject">{b.subject}</span> : null}
        </td>
        <td>
          {describeBuildSource(b.source)}
          {b.builder ? <span className="muted"> ({b.builder})</span> : null}
        </td>
        <td>
          <Age iso={b.startedAt ?? b.createdAt} now={now} />
        </td>
        <td>{formatDuration(b.startedAt, b.finishedAt) ?? '–'}</td>
        <td className="cell-actions">
          <span className="row-buttons">
            {onToggle ? (
              <button
                type="button"
                className="button button-quiet button-small"
                aria-expanded={expanded}
                // Only while it is there: a reference to nothing is an error to checkers.
                aria-controls={expanded ? logId : undefined}
                onClick={onToggle}
              >
                {expanded ? 'Hide' : 'Show'} log of #{b.number}
              </button>
            ) : null}
            {onCancel ? (
              <button
                type="button"
                className="button button-danger button-small"
                disabled={busy}
                onClick={onCancel}
              >
                {cancelling ? 'Cancelling…' : `Cancel build #${b.number}`}
              </button>
            ) : null}
          </span>
        </td>
      </tr>
      {b.error ? (
        <tr className="row-detail">
          <td colSpan={COLUMNS}>
            <p className="error-text">
              <span className="mono">{b.error.code}</span>: {b.error.message}
            </p>
          </td>
        </tr>
      ) : null}
      {expanded ? (
        <tr className="row-detail">
          <td colSpan={COLUMNS}>
            <BuildLog key={b.number} app={app} build={b} id={logId} />
          </td>
        </tr>
      ) : null}
    </>
  );
}
