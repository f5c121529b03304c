import { useEffect, type ReactNode } from 'react';

/**
 * A page's one h1, and the window's title. Focusable from script (not by Tab), so that after a
 * navigation the Shell moves focus here and a screen reader reads the new page's name.
 */
export function PageTitle({ children, title }: { children: ReactNode; title: string }) {
  useEffect(() => {
    document.title = `${title} · Berth`;
  }, [title]);
  return (
    <h1 className="page-title" tabIndex={-1}>
      {children}
    </h1>
  );
}
