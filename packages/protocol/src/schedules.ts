import { z } from 'zod';

/**
 * What a scheduled job does when its time comes while an earlier run is still going:
 * `forbid` (the default) skips the new run, `allow` starts it beside the old one, `replace`
 * stops the old run and starts the new one. The same words Kubernetes CronJobs use.
 */
export const ConcurrencyPolicy = z.enum(['forbid', 'allow', 'replace']);
export type ConcurrencyPolicy = z.infer<typeof ConcurrencyPolicy>;

export const DEFAULT_CONCURRENCY_POLICY: ConcurrencyPolicy = 'forbid';
