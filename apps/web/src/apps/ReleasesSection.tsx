import { useState } from 'react';
import { useRollback } from '../api/app-changes.js';
import type { App } from '../api/paths.js';
import { useReleases } from '../api/queries.js';
import { ConfirmButton } from '../controls/ConfirmButton.js';
import { ProblemAlert } from '../problems/ProblemAlert.js';
import { mayRollBackTo, newestFirst } from './releases.js';
import { Age, useNow } from './Time.js';

/**
 * An app's releases, newest first; who may deploy the app makes an earlier one current again
 * (rollbackApp), confirmed in the page.
 */
export function ReleasesSection({ app, canRollBack }: { app: App; canRollBack: boolean }) {
  const releases = useReleases(app.name);
  const rollback = useRollback(app.name);
  const now = useNow();
  const [confirming, setConfirming] = useState<number | null>(null);
  const [note, setNote] = useState('');

  const rollBack = (version: number): void => {
    setNote('');
    rollback.mutate(version, {
      onSuccess: () => {
        setConfirming(null);
        setNote(`Roll back to v${version} started: see Deployments.`);
      },
    });
  };

  const list = newestFirst(releases.data ?? []);
  return (
    <section aria-labelledby="releases-heading">
      <h2 id="releases-heading">Releases</h2>
      {releases.isError ? <ProblemAlert error={releases.error} title="Could not load the releases" /> : null}
      {releases.isSuccess && list.length === 0 ? <p>No releases yet.</p> : null}
      {list.length > 0 ? (
        <div className="table-scroll" role="region" aria-label="Releases" tabIndex={0}>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Image</th>
                <th scope="col">Created</th>
                {canRollBack ? (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {list.map((release) => (
                <tr key={release.id}>
                  <th scope="row">
                    v{release.version}
                    {release.current ? <span className="badge badge-ok badge-inline">current</span> : null}
                  </th>
                  <td className="mono">{release.image}</td>
                  <td>
                    <Age iso={release.createdAt} now={now} />
                  </td>
                  {canRollBack ? (
                    <td className="cell-actions">
                      {mayRollBackTo(release) ? (
                        <ConfirmButton
                          label={`Roll back to v${release.version}`}
                          confirmLabel={`Confirm roll back to v${release.version}`}
                          confirming={confirming === release.version}
                          onAsk={() => setConfirming(release.version)}
                          onCancel={() => setConfirming(null)}
                          onConfirm={() => rollBack(release.version)}
                          pending={rollback.isPending && rollback.variables === release.version}
                          disabled={rollback.isPending}
                        />
                      ) : release.current ? null : (
                        <span className="muted">not rolled out</span>
                      )}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {rollback.isError ? <ProblemAlert error={rollback.error} title="Could not roll back" /> : null}
      <p role="status" className="status-text">
        {note}
      </p>
    </section>
  );
}
