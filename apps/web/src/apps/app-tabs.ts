import type { AppTab } from '../routing/routes.js';

/**
 * The app page's tabs: which a user sees, and where the arrow keys take focus among them. No
 * React and no DOM here (AppTabs.tsx uses it).
 */

/** `overview` is the page's first tab, at `/apps/:app`; the others have a path of their own. */
export type AppTabId = 'overview' | AppTab;

export interface TabInfo {
  id: AppTabId;
  label: string;
}

/** The tabs shown to a user: the logs only to one who may read them (berthd refuses others). */
export function appTabs({ canReadLogs }: { canReadLogs: boolean }): TabInfo[] {
  return [
    { id: 'overview', label: 'Overview' },
    ...(canReadLogs ? [{ id: 'logs' as const, label: 'Logs' }] : []),
    { id: 'builds', label: 'Builds' },
    { id: 'domains', label: 'Domains' },
  ];
}

/** The tab a route names when the user sees it, else the overview. */
export const shownTab = (tabs: readonly TabInfo[], wanted: AppTab | undefined): AppTabId =>
  wanted !== undefined && tabs.some((t) => t.id === wanted) ? wanted : 'overview';

/**
 * The tab a key moves to from `current` (WAI-ARIA's tabs pattern): Left and Right to the previous
 * and next, wrapping around; Home and End to the first and last. Null for any other key.
 */
export function tabAfterKey(tabs: readonly TabInfo[], current: AppTabId, key: string): AppTabId | null {
  const at = tabs.findIndex((t) => t.id === current);
  if (at === -1 || tabs.length === 0) return null;
  const index =
    key === 'ArrowRight'
      ? (at + 1) % tabs.length
      : key === 'ArrowLeft'
        ? (at - 1 + tabs.length) % tabs.length
        : key === 'Home'
          ? 0
          : key === 'End'
            ? tabs.length - 1
            : null;
  return index === null ? null : (tabs[index]?.id ?? null);
}
