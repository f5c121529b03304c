/**
 * The dashboard's pages, by path. berthd answers these paths with index.html (its PAGE pattern
 * in apps/server/src/http/dashboard.ts), so each is also a link that survives a reload.
 */
export type Route =
  | { kind: 'overview'; team: string | null }
  | { kind: 'app'; app: string }
  | { kind: 'team'; team: string | null }
  | { kind: 'login' }
  | { kind: 'setup' }
  | { kind: 'not-found' };

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
  if (path === '/login') return { kind: 'login' };
  if (path === '/setup') return { kind: 'setup' };
  const app = /^\/apps\/([^/]+)$/.exec(path)?.[1];
  if (app !== undefined && isName(app)) return { kind: 'app', app };
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
      return `/apps/${encodeURIComponent(route.app)}`;
    case 'login':
      return '/login';
    case 'setup':
      return '/setup';
    case 'not-found':
      return '/';
  }
}
