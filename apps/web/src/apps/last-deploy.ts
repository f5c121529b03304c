import type { App } from '../api/paths.js';
import { deploymentRunning, formatDuration } from './app-status.js';

/** An app's newest deployment as GET /apps carries it (absent from an older berthd). */
export type LastDeployment = NonNullable<App['lastDeployment']>;

/**
 * What and who: "v3 by ada@example.com", "v2 rollback by ci". A deploy is the usual kind and goes
 * unnamed; berthd's own (a webhook's push, a move) names no one.
 */
export function lastDeployWho(d: Pick<LastDeployment, 'releaseVersion' | 'kind' | 'requestedBy'>): string {
  const what = d.kind === 'deploy' ? `v${d.releaseVersion}` : `v${d.releaseVersion} ${d.kind}`;
  return d.requestedBy ? `${what} by ${d.requestedBy}` : what;
}

/**
 * How it went, after its age: "running…", "took 14 s", "failed after 9 s" (only a failure or a
 * skip is named: a success is what "took" says). Null when there is nothing to add.
 */
export function lastDeployOutcome(
  d: Pick<LastDeployment, 'status' | 'startedAt' | 'finishedAt'>,
): string | null {
  if (deploymentRunning(d.status)) return 'running…';
  const took = formatDuration(d.startedAt, d.finishedAt);
  if (d.status === 'failed') return took === null ? 'failed' : `failed after ${took}`;
  if (d.status === 'ignored') return 'skipped';
  return took === null ? null : `took ${took}`;
}
