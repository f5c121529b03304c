import { useEffect, useRef, type ReactNode } from 'react';
import type { Me } from '../api/paths.js';
import { readsAudit } from '../audit/audit-access.js';
import { NO_FILTER } from '../audit/audit-filter.js';
import { ProblemAlert } from '../problems/ProblemAlert.js';
import { Link } from '../routing/Link.js';
import { pageKey, type Route } from '../routing/routes.js';
import { useLogOut } from '../session/use-session.js';

interface ShellProps {
  me: Me;
  route: Route;
  children: ReactNode;
}

/** The frame of every page after login: skip link, header with navigation, the page in <main>. */
export function Shell({ me, route, children }: ShellProps) {
  const logOut = useLogOut();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  const routeKey = pageKey(route);
  // The team chosen on the apps or the team page stays chosen going to the other.
  const team = route.kind === 'overview' || route.kind === 'team' ? route.team : null;

  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [routeKey]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <Link to={{ kind: 'overview', team: null }} className="brand">
          Berth
        </Link>
        <nav aria-label="Main" className="site-nav">
          <Link to={{ kind: 'overview', team }} current={route.kind === 'overview'}>
            Apps
          </Link>
          <Link to={{ kind: 'team', team }} current={route.kind === 'team'}>
            Team
          </Link>
          {readsAudit(me) ? (
            <Link to={{ kind: 'audit', filter: NO_FILTER }} current={route.kind === 'audit'}>
              Audit
            </Link>
          ) : null}
        </nav>
        <div className="account">
          <span className="account-name">{me.name}</span>
          <button
            type="button"
            className="button button-quiet"
            disabled={logOut.isPending}
            onClick={() => logOut.mutate()}
          >
            {logOut.isPending ? 'Logging out…' : 'Log out'}
          </button>
        </div>
      </header>
      {logOut.isError ? (
        <div className="page-alert">
          <ProblemAlert error={logOut.error} title="Could not log out" />
        </div>
      ) : null}
      <main id="main" ref={main} className="page">
        {children}
      </main>
    </>
  );
}
