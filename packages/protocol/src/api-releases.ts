import { z } from 'zod';
import { HealthCheck } from './api-health-checks.js';
import { Id, ImageRef, Port, Replicas } from './names.js';
import { ResourceLimits } from './runtime.js';
import { Timestamp } from './timestamp.js';

export const ReleaseSummary = z.object({
  id: Id,
  version: z.number().int(),
  image: ImageRef,
  imageId: z.string().nullable(),
  createdAt: Timestamp,
});
export type ReleaseSummary = z.infer<typeof ReleaseSummary>;

export const Release = ReleaseSummary.extend({
  appId: Id,
  env: z.record(z.string(), z.string()),
  port: Port,
  command: z.array(z.string()).nullable(),
  health: HealthCheck,
  replicas: Replicas,
  /** What each replica may use, frozen with the release. */
  limits: ResourceLimits,
  /** The commit it was built from, for releases built from source. */
  commit: z.string().nullable(),
  current: z.boolean(),
});
export type Release = z.infer<typeof Release>;

export const ReleaseList = z.object({ releases: z.array(Release) });
