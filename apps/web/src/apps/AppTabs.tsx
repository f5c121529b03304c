import { useRef, type KeyboardEvent, type ReactNode } from 'react';
import { navigate } from '../routing/navigation.js';
import { tabAfterKey, type AppTabId, type TabInfo } from './app-tabs.js';

interface AppTabsProps {
  app: string;
  tabs: readonly TabInfo[];
  current: AppTabId;
  /** The current tab's panel. */
  children: ReactNode;
}

export const tabId = (tab: AppTabId): string => `app-tab-${tab}`;
const panelId = (tab: AppTabId): string => `app-panel-${tab}`;

/**
 * The app page's sections as tabs (WAI-ARIA's tabs pattern): one tab stop, the arrow keys, Home
 * and End move between tabs and show each at once. Each tab is an address of its own
 * (`/apps/web/logs`), so back, forward and reload keep it; only the current panel is rendered,
 * so a hidden panel holds no stream open.
 */
export function AppTabs({ app, tabs, current, children }: AppTabsProps) {
  const buttons = useRef(new Map<AppTabId, HTMLButtonElement>());

  const show = (tab: AppTabId): void => {
    if (tab !== current) navigate({ kind: 'app', app, ...(tab === 'overview' ? {} : { tab }) });
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    const next = tabAfterKey(tabs, current, event.key);
    if (next === null) return;
    event.preventDefault();
    show(next);
    buttons.current.get(next)?.focus();
  };

  return (
    <>
      <div role="tablist" aria-label={`Sections of ${app}`} className="tabs" onKeyDown={onKeyDown}>
        {tabs.map((t) => (
          <button
            key={t.id}
            ref={(el) => {
              if (el) buttons.current.set(t.id, el);
              else buttons.current.delete(t.id);
            }}
            type="button"
            role="tab"
            id={tabId(t.id)}
            className="tab"
            aria-selected={t.id === current}
            aria-controls={t.id === current ? panelId(t.id) : undefined}
            tabIndex={t.id === current ? 0 : -1}
            onClick={() => show(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={panelId(current)} aria-labelledby={tabId(current)} className="tab-panel">
        {children}
      </div>
    </>
  );
}
