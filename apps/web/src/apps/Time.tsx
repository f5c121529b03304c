import { useEffect, useState } from 'react';
import { formatAge } from './app-status.js';

/** The clock, re-read every 15 s so that "3 min ago" keeps up without new data. */
export function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 15_000);
    return () => window.clearInterval(timer);
  }, []);
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
