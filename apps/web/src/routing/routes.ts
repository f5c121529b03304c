import { auditSearch, parseAuditFilter, type AuditFilter } from '../audit/audit-filter.js';

/**
 * The dashboard's pages, by path. berthd answers these paths with index.html (its PAGE pattern
 * in apps/server/src/http/dashboard.ts), so each is also a link that survives a reload.
 */
export type Route =
  | { kind: 'overview'; team: string | null }
  | { kind: 'app'; app: string; tab?: AppTab }
  | { kind: 'team'; team: string | null }
  | { kind: 'audit'; filter: AuditFilter }
  | { kind: 'login' }
  | { kind: 'setup' }
  | { kind: 'invite' }
  | { kind: 'not-found' };

/** An app page's tabs other than its first (`/apps/web` is the overview, `/apps/web/logs` its logs). */
export const APP_TABS = ['logs', 'builds', 'domains'] as const;
export type AppTab = (typeof APP_TABS)[number];

const isAppTab = (value: string): value is AppTab => APP_TABS.some((t) => t === value);

/** App and team names (packages/protocol's name pattern). */
const NAME = /^[a-z](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

export const isName = (value: string): boolean => NAME.test(value);

/** The page a path (with its query, without its fragment) shows. */
export function parseRoute(pathAndQuery: string): Route {
  const at = pathAndQuery.indexOf('?');
  const path = at === -1 ? pathAndQuery : pathAndQuery.slice(0, at);
  const query = new URLSearchParams(at === -1 ? '' : pathAndQuery.slice(at + 1));
  const team = query.get('team');
  const named = team !== null && isName(team) ? team : null;
  if (path === '/') return { kind: 'overview', team: named };
  if (path === '/team') return { kind: 'team', team: named };
  if (path === '/audit') return { kind: 'audit', filter: parseAuditFilter(query) };
  if (path === '/login') return { kind: 'login' };
  if (path === '/setup') return { kind: 'setup' };
  if (path === '/invite') return { kind: 'invite' };
  const [, app, tab] = /^\/apps\/([^/]+)(?:\/([^/]+))?$/.exec(path) ?? [];
  if (app !== undefined && isName(app)) {
    if (tab === undefined) return { kind: 'app', app };
    if (isAppTab(tab)) return { kind: 'app', app, tab };
  }
  return { kind: 'not-found' };
}

/** The path of a page: the only hrefs the dashboard makes itself. */
export function pathOf(route: Route): string {
  switch (route.kind) {
    case 'overview':
      return route.team === null ? '/' : `/?team=${encodeURIComponent(route.team)}`;
    case 'team':
      return route.team === null ? '/team' : `/team?team=${encodeURIComponent(route.team)}`;
    case 'app':
      return `/apps/${encodeURIComponent(route.app)}${route.tab ? `/${route.tab}` : ''}`;
    case 'audit': {
      const search = auditSearch(route.filter);
      return search === '' ? '/audit' : `/audit?${search}`;
    }
    case 'login':
      return '/login';
    case 'setup':
      return '/setup';
    case 'invite':
      return '/invite';
    case 'not-found':
      return '/';
  }
}

/**
 * What tells one page from another, for moving focus to a new page's heading: an app page's tabs
 * are one page (moving between them keeps focus on the tab list), and so is the audit log under
 * any filter (focus stays in the filter form).
 */
export const pageKey = (route: Route): string =>
  JSON.stringify(
    route.kind === 'app'
      ? { kind: route.kind, app: route.app }
      : route.kind === 'audit'
        ? { kind: route.kind }
        : route,
  );
