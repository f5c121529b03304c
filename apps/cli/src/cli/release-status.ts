import type { Deployment, Release } from '@berth/protocol';

/**
 * What each release is to the app, from its deployments (newest first, as berthd lists them):
 *
 * - `serving`: the current release, what the app runs.
 * - `deploying`: a deployment of it is under way.
 * - `previous`: what `berth rollback` (without --to) goes back to: the newest release other than
 *   the current one whose deployment succeeded.
 * - `failed`: its newest deployment failed; it never served since (the release before kept
 *   serving).
 * - `superseded`: it served once and a newer one took over (`rollback --to` brings it back).
 * - `ignored`: its deployment was ignored on purpose (a webhook's commit was no longer the tip).
 * - `-`: no deployment of it is among the newest berthd lists (an old release).
 *
 * Pure: the same rules as berthd's rollback target (lastSucceededOtherThan).
 */
export type ReleaseStatus = 'serving' | 'deploying' | 'previous' | 'failed' | 'superseded' | 'ignored' | '-';

const UNDER_WAY: readonly Deployment['status'][] = ['queued', 'preparing', 'rolling_out'];

export function releaseStatuses(
  releases: readonly Pick<Release, 'id' | 'current'>[],
  deployments: readonly Pick<Deployment, 'releaseId' | 'status'>[],
): Map<string, ReleaseStatus> {
  const current = releases.find((r) => r.current)?.id;
  const previous = deployments.find((d) => d.status === 'succeeded' && d.releaseId !== current)?.releaseId;
  const statuses = new Map<string, ReleaseStatus>();
  for (const r of releases) {
    const own = deployments.filter((d) => d.releaseId === r.id);
    statuses.set(r.id, statusOf(r.id === current, r.id === previous, own));
  }
  return statuses;
}

function statusOf(
  current: boolean,
  previous: boolean,
  own: readonly Pick<Deployment, 'status'>[],
): ReleaseStatus {
  const newest = own[0]?.status;
  if (newest && UNDER_WAY.includes(newest)) return 'deploying';
  if (current) return 'serving';
  if (previous) return 'previous';
  if (newest === 'failed') return 'failed';
  if (newest === 'ignored') return 'ignored';
  if (own.some((d) => d.status === 'succeeded')) return 'superseded';
  return '-';
}
