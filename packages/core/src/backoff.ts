/**
 * How long to wait before trying again after failures in a row: firstMs, then twice as long each
 * time, never more than maxMs. One schedule for every retry in Berth (durable jobs, the agent's
 * reconnects and crash-looping replicas, `berth up` restarting a child), so they all behave alike.
 */
export interface BackoffPolicy {
  firstMs: number;
  maxMs: number;
}

/** The wait before the next try, after `failures` failures in a row (1 = the first failure). */
export function backoffDelayMs(failures: number, policy: BackoffPolicy): number {
  const n = failures >= 1 ? Math.floor(failures) : 1;
  return Math.min(policy.maxMs, policy.firstMs * 2 ** (n - 1));
}
