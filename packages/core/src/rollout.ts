/**
 * Which way the servers roll an app's current deployment: `forward` makes its release serve;
 * `revert` puts back what it replaced, after it failed.
 */
export type RolloutDirection = 'forward' | 'revert';

export const ROLLOUT_DIRECTIONS: readonly RolloutDirection[] = ['forward', 'revert'];

const REVERT_SUFFIX = ':revert';

/**
 * The agent's key for one rollout (DesiredApp.revision): it changes whenever a new rollout is
 * wanted, and the agent remembers each key's outcome so that a failed rollout is not retried in a
 * loop. The same strings as before these were typed fields, so agents' saved outcomes still match.
 */
export const toRevision = (deploymentId: string, direction: RolloutDirection): string =>
  direction === 'forward' ? deploymentId : `${deploymentId}${REVERT_SUFFIX}`;

/** toRevision's inverse: the deployment a revision rolls, and which way. */
export const parseRevision = (revision: string): { deploymentId: string; direction: RolloutDirection } =>
  revision.endsWith(REVERT_SUFFIX)
    ? { deploymentId: revision.slice(0, -REVERT_SUFFIX.length), direction: 'revert' }
    : { deploymentId: revision, direction: 'forward' };
