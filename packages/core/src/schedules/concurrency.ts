/**
 * The concurrency policy of a scheduled job: what happens when a fire time comes while earlier
 * runs are still going.
 */
import type { ConcurrencyPolicy } from '@berth/protocol';

/**
 * `start`: start the new run. `skip`: do not start it (record it as skipped, with the reason).
 * `replace`: stop the running ones first (wait until they are gone), then start the new run.
 */
export type StartDecision = 'start' | 'skip' | 'replace';

export function decideStart(policy: ConcurrencyPolicy, running: number): StartDecision {
  if (!(running > 0)) return 'start';
  switch (policy) {
    case 'allow':
      return 'start';
    case 'replace':
      return 'replace';
    case 'forbid':
      return 'skip';
  }
}

/** A line for the run's history that says why it did not run, or what it replaced. */
export function describeStartDecision(policy: ConcurrencyPolicy, running: number): string {
  const decision = decideStart(policy, running);
  const runs = running === 1 ? 'run' : 'runs';
  if (decision === 'skip')
    return `skipped: ${running} earlier ${runs} still running (concurrency policy forbid)`;
  if (decision === 'replace')
    return `replaced ${running} earlier ${runs} still running (concurrency policy replace)`;
  return running > 0 ? `started beside ${running} earlier ${runs} (concurrency policy allow)` : 'started';
}
