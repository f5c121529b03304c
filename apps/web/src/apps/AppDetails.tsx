import { can, roleIn } from '../access/roles.js';
import type { App, Me } from '../api/paths.js';
import { ExternalLink } from '../links/ExternalLink.js';
import { replicaCounts } from './app-status.js';
import { Age, useNow } from './Time.js';

/** What the app is and runs: its spec, the caller's role, its replicas. */
export function AppDetails({ app, me }: { app: App; me: Me }) {
  const now = useNow();
  const role = roleIn(me, app.team);
  const { healthy, desired } = replicaCounts(app);
  const release = app.currentRelease;
  return (
    <>
      <p className="muted">
        Team <strong>{app.team}</strong>, project <strong>{app.project}</strong>
        {role ? (
          <>
            ; you are <strong>{role}</strong>
            {can(role, 'app:deploy') ? '' : ' (read only)'}
          </>
        ) : null}
        .
      </p>
      {app.warnings && app.warnings.length > 0 ? (
        <ul className="warnings">
          {app.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      ) : null}
      <section aria-labelledby="details-heading">
        <h2 id="details-heading">Details</h2>
        <dl className="details">
          <dt>URL</dt>
          <dd>
            <ExternalLink url={app.url} />
          </dd>
          <dt>Release</dt>
          <dd>
            {release ? (
              <>
                v{release.version} (<span className="mono">{release.image}</span>),{' '}
                <Age iso={release.createdAt} now={now} />
              </>
            ) : (
              'none yet'
            )}
          </dd>
          <dt>Replicas healthy</dt>
          <dd>
            {healthy} of {desired}
          </dd>
          <dt>Image</dt>
          <dd className="mono">{app.image}</dd>
          {app.source ? (
            <>
              <dt>Source</dt>
              <dd className="mono">
                {app.source.url} ({app.source.ref.kind} {app.source.ref.name})
              </dd>
            </>
          ) : null}
          <dt>Port</dt>
          <dd>{app.port}</dd>
          <dt>Limits</dt>
          <dd>
            {app.limits.cpu} CPU, {app.limits.memoryMiB} MiB, {app.limits.pids} processes per replica
          </dd>
          <dt>Strategy</dt>
          <dd>{app.strategy ?? 'rolling'}</dd>
          <dt>Health check</dt>
          <dd>{app.health.type === 'http' ? `HTTP GET ${app.health.path}` : 'TCP connect'}</dd>
          <dt>Placement</dt>
          <dd>{app.constraints && app.constraints.length > 0 ? app.constraints.join(', ') : 'any server'}</dd>
          <dt>Command</dt>
          <dd className="mono">{app.command ? app.command.join(' ') : '(image default)'}</dd>
        </dl>
      </section>
      {app.replicaStatus.length > 0 ? (
        <section aria-labelledby="replicas-heading">
          <h2 id="replicas-heading">Replicas</h2>
          <div className="table-scroll" role="region" aria-label="Replicas" tabIndex={0}>
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Replica</th>
                  <th scope="col">State</th>
                  <th scope="col">Release</th>
                  <th scope="col">Server</th>
                </tr>
              </thead>
              <tbody>
                {app.replicaStatus.map((r) => (
                  <tr key={r.name}>
                    <th scope="row" className="mono">
                      {r.name}
                    </th>
                    <td>{r.state}</td>
                    <td>{r.releaseVersion === null ? '?' : `v${r.releaseVersion}`}</td>
                    <td>{r.server}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
    </>
  );
}
