import { useEffect } from 'react';
import type { Me } from './api/paths.js';
import { useMe } from './api/queries.js';
import { LiveUpdates } from './api/use-live-updates.js';
import { AppPage } from './apps/AppPage.js';
import { OverviewPage } from './apps/OverviewPage.js';
import { AuditPage } from './audit/AuditPage.js';
import { isUnauthenticated } from './problems/problem.js';
import { ProblemAlert } from './problems/ProblemAlert.js';
import { navigate, useRoute } from './routing/navigation.js';
import type { Route } from './routing/routes.js';
import { AuthFrame } from './session/AuthFrame.js';
import { LoginPage } from './session/LoginPage.js';
import { SetupPage } from './session/SetupPage.js';
import { NotFoundPage } from './shell/NotFoundPage.js';
import { Shell } from './shell/Shell.js';
import { InvitePage } from './team/InvitePage.js';
import { TeamPage } from './team/TeamPage.js';

/**
 * Which page shows: setup needs no session; every other page needs one (a 401 from /me shows
 * the login form in place, so the address is still the page to see after login).
 */
export function App({ setupToken, inviteToken }: { setupToken: string | null; inviteToken: string | null }) {
  const route = useRoute();
  const me = useMe(route.kind !== 'setup' && route.kind !== 'invite');
  const loggedIn = me.data !== undefined;

  useEffect(() => {
    if (loggedIn && route.kind === 'login') navigate({ kind: 'overview', team: null }, { replace: true });
  }, [loggedIn, route.kind]);

  if (route.kind === 'setup') return <SetupPage token={setupToken} />;
  // An invite link is opened by someone without a session (yet): it sets their password.
  if (route.kind === 'invite') return <InvitePage token={inviteToken} />;
  if (me.isPending)
    return (
      <main id="main" className="loading">
        <p aria-live="polite">Loading…</p>
      </main>
    );
  if (me.isError && isUnauthenticated(me.error)) return <LoginPage />;
  // Any other failure of a later poll keeps the page as it was; the first one has nothing to show.
  if (me.data === undefined) {
    return (
      <AuthFrame title="Could not load your account">
        <ProblemAlert error={me.error} />
        <button type="button" className="button" onClick={() => void me.refetch()}>
          Try again
        </button>
      </AuthFrame>
    );
  }
  return (
    <Shell me={me.data} route={route}>
      <LiveUpdates route={route} me={me.data} />
      <Page route={route} me={me.data} />
    </Shell>
  );
}

function Page({ route, me }: { route: Route; me: Me }) {
  switch (route.kind) {
    case 'overview':
      return <OverviewPage me={me} team={route.team} />;
    case 'app':
      return <AppPage me={me} name={route.app} tab={route.tab} />;
    case 'team':
      return <TeamPage me={me} team={route.team} />;
    case 'audit':
      return <AuditPage me={me} filter={route.filter} />;
    case 'login':
    case 'setup':
    case 'invite':
      return null;
    case 'not-found':
      return <NotFoundPage />;
  }
}
