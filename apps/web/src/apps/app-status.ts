import type { App, AppStatus, DeploymentStatus } from '../api/paths.js';

/** Replicas of the current release that pass their health check (routed or about to be), of those wanted. */
export function replicaCounts(app: Pick<App, 'replicas' | 'replicaStatus' | 'currentRelease'>): {
  healthy: number;
  desired: number;
} {
  const release = app.currentRelease?.id ?? null;
  const healthy = app.replicaStatus.filter(
    (r) => (r.state === 'healthy' || r.state === 'serving') && (release === null || r.releaseId === release),
  ).length;
  return { healthy, desired: app.replicas };
}

/** How a status looks: the CSS class of its badge. The word itself is always shown too. */
export type Tone = 'ok' | 'busy' | 'bad' | 'idle';

export function appTone(status: AppStatus): Tone {
  switch (status) {
    case 'running':
      return 'ok';
    case 'deploying':
      return 'busy';
    case 'failed':
      return 'bad';
    case 'new':
    case 'stopped':
      return 'idle';
  }
}

export function deploymentTone(status: DeploymentStatus): Tone {
  switch (status) {
    case 'succeeded':
      return 'ok';
    case 'queued':
    case 'preparing':
    case 'rolling_out':
      return 'busy';
    case 'failed':
      return 'bad';
    case 'ignored':
      return 'idle';
  }
}

/** Still under way: its steps keep coming, and its stream stays open until it is over. */
export function deploymentRunning(status: DeploymentStatus): boolean {
  switch (status) {
    case 'queued':
    case 'preparing':
    case 'rolling_out':
      return true;
    case 'succeeded':
    case 'failed':
    case 'ignored':
      return false;
  }
}

/** `rolling_out` → `rolling out`. */
export const statusWords = (status: string): string => status.replaceAll('_', ' ');

/** A span of whole seconds in its largest whole unit ("3 min"). */
function span(s: number): string {
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} d`;
}

/** How long ago an RFC 3339 time was, in the largest whole unit ("3 min ago"). */
export function formatAge(iso: string, now: number): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return iso;
  const s = Math.round((now - then) / 1000);
  return s < 10 ? 'just now' : `${span(s)} ago`;
}

/** How far off a future RFC 3339 time is ("in 3 d"); a past one reads as formatAge does. */
export function formatUntil(iso: string, now: number): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return iso;
  const s = Math.round((then - now) / 1000);
  return s <= 0 ? formatAge(iso, now) : `in ${span(s)}`;
}

/** "42 s", "3 min 5 s": how long a deployment ran; null while it has not finished. */
export function formatDuration(startIso: string | null, endIso: string | null): string | null {
  if (startIso === null || endIso === null) return null;
  const ms = Date.parse(endIso) - Date.parse(startIso);
  if (Number.isNaN(ms) || ms < 0) return null;
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}
