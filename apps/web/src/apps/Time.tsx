import { useEffect, useState } from 'react';
import { formatAge } from './app-status.js';

/**
 * The clock, re-read every 15 s so that "3 min ago" keeps up without new data (or as often as
 * asked: a running deployment's elapsed time, every second).
 */
export function useNow(everyMs = 15_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), everyMs);
    return () => window.clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** A past time as "3 min ago", with the exact time for machines and on hover. */
export function Age({ iso, now }: { iso: string; now: number }) {
  const exact = new Date(iso);
  const title = Number.isNaN(exact.getTime()) ? iso : exact.toLocaleString();
  return (
    <time dateTime={iso} title={title}>
      {formatAge(iso, now)}
    </time>
  );
}
