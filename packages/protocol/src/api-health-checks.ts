import { z } from 'zod';
import { HttpPath } from './names.js';

/** How a release's replicas are probed, as an app sets it and as berthd answers it. */

export const HEALTH_DEFAULTS = {
  type: 'http',
  path: '/',
  intervalMs: 1000,
  timeoutMs: 60_000,
  probeTimeoutMs: 2000,
  steadyIntervalMs: 30_000,
} as const;

export const HealthCheck = z
  .object({
    /** `http` probes `path` and wants a 2xx/3xx; `tcp` only wants the port to accept a connection. */
    type: z.enum(['http', 'tcp']),
    path: HttpPath,
    /** How often a serving replica is probed while a rollout is under way (or it is unhealthy). */
    intervalMs: z.number().int().min(100).max(600_000),
    /**
     * How often a replica is probed once its release is rolled out and it is healthy: every probe
     * is a request in the app's own log, so a healthy release is probed less often. Releases made
     * before this setting existed have none and get HEALTH_DEFAULTS.steadyIntervalMs.
     */
    steadyIntervalMs: z.number().int().min(100).max(3_600_000).optional(),
    /** How long a new release has to become healthy before the deployment fails. */
    timeoutMs: z.number().int().min(1000).max(3_600_000),
    /** How long one probe may take. */
    probeTimeoutMs: z.number().int().min(100).max(60_000),
  })
  .strict();
export type HealthCheck = z.infer<typeof HealthCheck>;
export const HealthCheckInput = HealthCheck.partial().strict();
export type HealthCheckInput = z.infer<typeof HealthCheckInput>;
