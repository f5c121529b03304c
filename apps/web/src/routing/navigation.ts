import { useMemo, useSyncExternalStore } from 'react';
import { parseRoute, pathOf, type Route } from './routes.js';

/** pushState fires no event; this one tells the page that the address changed. */
const NAVIGATED = 'berth:navigated';

export function navigate(to: Route, options: { replace?: boolean } = {}): void {
  const path = pathOf(to);
  if (options.replace) window.history.replaceState(null, '', path);
  else window.history.pushState(null, '', path);
  window.dispatchEvent(new Event(NAVIGATED));
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(NAVIGATED, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(NAVIGATED, onChange);
  };
}

const currentPath = (): string => `${window.location.pathname}${window.location.search}`;

/** The page the address bar names, updated on navigate() and on back/forward. */
export function useRoute(): Route {
  const path = useSyncExternalStore(subscribe, currentPath);
  return useMemo(() => parseRoute(path), [path]);
}
