import { can, pickTeam, roleIn, teamsOf } from '../access/roles.js';
import type { App, Me } from '../api/paths.js';
import { useApps } from '../api/queries.js';
import { ExternalLink } from '../links/ExternalLink.js';
import { ProblemAlert } from '../problems/ProblemAlert.js';
import { Link } from '../routing/Link.js';
import { FleetSection } from '../servers/FleetSection.js';
import { PageTitle } from '../shell/PageTitle.js';
import { appTone, replicaCounts } from './app-status.js';
import { CreateAppForm } from './CreateAppForm.js';
import { LastDeploy } from './LastDeploy.js';
import { StatusBadge } from './StatusBadge.js';
import { TeamSwitcher } from './TeamSwitcher.js';
import { Age, useNow } from './Time.js';

/** `/`: the apps of one of the user's teams, re-read every few seconds. */
export function OverviewPage({ me, team }: { me: Me; team: string | null }) {
  const apps = useApps();
  const teams = teamsOf(me, apps.data ?? []);
  const current = pickTeam(teams, team);
  const role = current === null ? null : roleIn(me, current);
  const shown = (apps.data ?? []).filter((a) => a.team === current);

  return (
    <>
      <div className="page-head">
        <PageTitle title="Apps">Apps</PageTitle>
        {teams.length > 1 && current !== null ? (
          <TeamSwitcher teams={teams} current={current} page="overview" />
        ) : null}
      </div>
      {current !== null && role !== null ? (
        <p className="muted">
          Team <strong>{current}</strong>, where you are <strong>{role}</strong>
          {can(role, 'app:deploy') ? '' : ' (read only)'}.
        </p>
      ) : null}
      {apps.isError ? <ProblemAlert error={apps.error} title="Could not load the apps" /> : null}
      {apps.isPending ? <p aria-live="polite">Loading apps…</p> : null}
      {apps.isSuccess && current === null ? (
        <p>You are in no team yet: ask a team admin to invite you.</p>
      ) : null}
      {apps.isSuccess && current !== null && shown.length === 0 ? (
        <p>
          No apps in {current} yet.{' '}
          {can(role, 'app:write') ? 'Create one with the New app form below, or' : 'An admin creates one'}{' '}
          with <code>berth apps create NAME --image IMAGE</code>.
        </p>
      ) : null}
      {shown.length > 0 ? <AppsTable apps={shown} /> : null}
      {current !== null ? <FleetSection apps={apps.data ?? []} /> : null}
      {current !== null && can(role, 'app:write') ? <CreateAppForm key={current} team={current} /> : null}
    </>
  );
}

function AppsTable({ apps }: { apps: readonly App[] }) {
  const now = useNow();
  return (
    <div className="table-scroll" role="region" aria-label="Apps" tabIndex={0}>
      <table className="table">
        <thead>
          <tr>
            <th scope="col">App</th>
            <th scope="col">Status</th>
            <th scope="col">Replicas healthy</th>
            <th scope="col">Release</th>
            <th scope="col">Last deploy</th>
            <th scope="col">URL</th>
          </tr>
        </thead>
        <tbody>
          {apps.map((app) => {
            const { healthy, desired } = replicaCounts(app);
            const release = app.currentRelease;
            return (
              <tr key={app.id}>
                <th scope="row">
                  <Link to={{ kind: 'app', app: app.name }}>{app.name}</Link>
                </th>
                <td>
                  <StatusBadge status={app.status} tone={appTone(app.status)} />
                </td>
                <td className={healthy < desired ? 'num warn' : 'num'}>
                  {healthy}/{desired}
                </td>
                <td>
                  {release ? (
                    <>
                      v{release.version}, <Age iso={release.createdAt} now={now} />
                    </>
                  ) : (
                    'none yet'
                  )}
                </td>
                <td>
                  <LastDeploy deployment={app.lastDeployment} now={now} />
                </td>
                <td>
                  <ExternalLink url={app.url} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
