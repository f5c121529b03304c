import { useQueryClient, type QueryClient, type QueryKey } from '@tanstack/react-query';
import { useCallback, useEffect, useSyncExternalStore } from 'react';
import type { Route } from '../routing/routes.js';
import { openLiveStream } from './event-stream.js';
import { liveTeamOf } from './live-team.js';
import { concerns, eventStreamPath, isReadOnce } from './live-notices.js';
import { API_PREFIX, type App, type Me } from './paths.js';
import { queryKeys } from './queries.js';

/**
 * Keeps the page's queries current from berthd's event stream: one EventSource per tab, for
 * the team the page shows; each notice reads again the queries it concerns (live-notices.ts),
 * and each (re)open reads again what was read before it, since changes then were not told.
 * The queries' own refetch is only a slow safety net (queries.ts, POLL_MS).
 */
export function useLiveUpdates(route: Route, me: Me): void {
  const client = useQueryClient();
  const apps = useCached<{ apps: App[] }>(client, queryKeys.apps);
  const app = useCached<App>(client, route.kind === 'app' ? queryKeys.app(route.app) : null);
  const team = liveTeamOf(route, me, { apps: apps?.apps ?? [], appTeam: app?.team ?? null });

  useEffect(() => {
    if (team === null) return;
    const stream = openLiveStream({
      connect: (path, on) => {
        const source = new EventSource(path);
        source.onmessage = (event: MessageEvent<unknown>) => on.message(event.data);
        source.onerror = () => on.error();
        return source;
      },
      path: eventStreamPath(API_PREFIX, team),
      onNotice: (notice) => void client.invalidateQueries({ predicate: (q) => concerns(notice, q.queryKey) }),
      onReady: () => {
        const at = Date.now();
        void client.invalidateQueries({
          predicate: (q) => q.state.dataUpdatedAt < at && !isReadOnce(q.queryKey),
        });
      },
      // A logout elsewhere, a revoked session or role: /me says which, and shows the login page.
      onDropped: () => void client.invalidateQueries({ queryKey: queryKeys.me }),
    });
    return () => stream.close();
  }, [client, team]);
}

/** A query's data as the cache holds it, without reading it (a page's own query does that). */
function useCached<T>(client: QueryClient, key: QueryKey | null): T | undefined {
  const subscribe = useCallback(
    (onChange: () => void) => client.getQueryCache().subscribe(onChange),
    [client],
  );
  return useSyncExternalStore(subscribe, () => (key === null ? undefined : client.getQueryData<T>(key)));
}

/** useLiveUpdates as an element of the logged-in frame (it renders nothing). */
export function LiveUpdates({ route, me }: { route: Route; me: Me }): null {
  useLiveUpdates(route, me);
  return null;
}
