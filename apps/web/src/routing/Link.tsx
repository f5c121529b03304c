import type { MouseEvent, ReactNode } from 'react';
import { navigate } from './navigation.js';
import { pathOf, type Route } from './routes.js';

interface LinkProps {
  to: Route;
  children: ReactNode;
  className?: string;
  current?: boolean;
}

/**
 * A link to a page of the dashboard: a real <a href> (keyboard, middle click and "open in new
 * tab" work), followed without a reload on a plain click.
 */
export function Link({ to, children, className, current = false }: LinkProps) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>): void => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a href={pathOf(to)} className={className} aria-current={current ? 'page' : undefined} onClick={onClick}>
      {children}
    </a>
  );
}
