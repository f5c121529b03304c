import { can, roleIn } from '../access/roles.js';
import type { App, Me } from '../api/paths.js';
import { useApp, useDeployments } from '../api/queries.js';
import { ApiError } from '../problems/problem.js';
import { ProblemAlert } from '../problems/ProblemAlert.js';
import { Link } from '../routing/Link.js';
import type { AppTab } from '../routing/routes.js';
import { PageTitle } from '../shell/PageTitle.js';
import { appTone } from './app-status.js';
import { AppDetails } from './AppDetails.js';
import { appTabs, shownTab } from './app-tabs.js';
import { AppTabs } from './AppTabs.js';
import { BuildsPanel } from './BuildsPanel.js';
import { DeployForm } from './DeployForm.js';
import { DeploymentsTable } from './DeploymentsTable.js';
import { DomainsPanel } from './DomainsPanel.js';
import { EnvSection } from './EnvSection.js';
import { LogsPanel } from './LogsPanel.js';
import { ReleasesSection } from './ReleasesSection.js';
import { ScaleForm } from './ScaleForm.js';
import { SecretsSection } from './SecretsSection.js';
import { StatusBadge } from './StatusBadge.js';
import { WebhookSection } from './WebhookSection.js';

/**
 * `/apps/:name`: an app's spec, its replicas, deployments, releases, environment and secrets;
 * in tabs of their own (`/apps/:name/logs|builds|domains`) its live log tail, its builds with
 * their logs, and its domains. The changes show only to roles berthd would let make them (a
 * viewer sees none).
 */
export function AppPage({ me, name, tab }: { me: Me; name: string; tab?: AppTab }) {
  const app = useApp(name);
  // Asked for at once, beside the app, not after it: the list is most of what the page is for.
  const deployments = useDeployments(name);
  const missing = app.error instanceof ApiError && app.error.status === 404;

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <ol>
          <li>
            <Link to={{ kind: 'overview', team: app.data?.team ?? null }}>Apps</Link>
          </li>
          <li aria-current="page">{name}</li>
        </ol>
      </nav>
      <div className="page-head">
        <PageTitle title={name}>{name}</PageTitle>
        {app.data ? <StatusBadge status={app.data.status} tone={appTone(app.data.status)} /> : null}
      </div>
      {app.isPending ? <p aria-live="polite">Loading…</p> : null}
      {missing ? (
        <p>
          There is no app {name} in your teams.{' '}
          <Link to={{ kind: 'overview', team: null }}>See your apps</Link>.
        </p>
      ) : app.isError ? (
        <ProblemAlert error={app.error} title="Could not load the app" />
      ) : null}
      {app.data ? <AppSections app={app.data} me={me} deployments={deployments} tab={tab} /> : null}
    </>
  );
}

interface AppSectionsProps {
  app: App;
  me: Me;
  deployments: ReturnType<typeof useDeployments>;
  tab: AppTab | undefined;
}

function AppSections({ app, me, deployments, tab }: AppSectionsProps) {
  const role = roleIn(me, app.team);
  const canDeploy = can(role, 'app:deploy');
  const canReadLogs = can(role, 'app:logs');
  const tabs = appTabs({ canReadLogs });
  const current = shownTab(tabs, tab);
  return (
    <AppTabs app={app.name} tabs={tabs} current={current}>
      {current === 'logs' ? <LogsPanel app={app} /> : null}
      {current === 'builds' ? (
        <>
          <BuildsPanel app={app} canReadLogs={canReadLogs} canCancel={canDeploy} />
          {app.source && can(role, 'app:write') ? <WebhookSection app={app} /> : null}
        </>
      ) : null}
      {current === 'domains' ? <DomainsPanel app={app} /> : null}
      {current === 'overview' ? (
        <OverviewSections app={app} me={me} deployments={deployments} canDeploy={canDeploy} />
      ) : null}
    </AppTabs>
  );
}

function OverviewSections({
  app,
  me,
  deployments,
  canDeploy,
}: Omit<AppSectionsProps, 'tab'> & { canDeploy: boolean }) {
  const role = roleIn(me, app.team);
  return (
    <>
      <AppDetails app={app} me={me} />
      {canDeploy ? <ScaleForm app={app} /> : null}
      {canDeploy ? <DeployForm app={app} /> : null}
      <DeploymentsSection deployments={deployments} />
      <ReleasesSection app={app} canRollBack={canDeploy} />
      <EnvSection app={app} canEdit={canDeploy} />
      <SecretsSection app={app} canEdit={can(role, 'secret:write')} />
    </>
  );
}

function DeploymentsSection({ deployments }: { deployments: ReturnType<typeof useDeployments> }) {
  return (
    <section aria-labelledby="deployments-heading">
      <h2 id="deployments-heading">Deployments</h2>
      {deployments.isError ? (
        <ProblemAlert error={deployments.error} title="Could not load the deployments" />
      ) : null}
      {deployments.data?.length === 0 ? <p>Not deployed yet.</p> : null}
      {deployments.data && deployments.data.length > 0 ? (
        <DeploymentsTable deployments={deployments.data} />
      ) : null}
    </section>
  );
}
