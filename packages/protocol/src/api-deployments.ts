import { z } from 'zod';
import { AppName, DeployImageRef, Id, Replicas } from './names.js';
import { GitRef } from './source.js';
import { Timestamp } from './timestamp.js';

/** Bodies are strict: an unknown field is a 400 naming it, never silently ignored. */

export const DeployRequest = z
  .object({
    image: DeployImageRef.optional(),
    /** For apps with a git source: build this branch, tag or commit instead of the app's ref. */
    ref: GitRef.optional(),
  })
  .strict()
  .refine((d) => !(d.image && d.ref), { message: 'give either image or ref, not both', path: ['ref'] });
export type DeployRequest = z.infer<typeof DeployRequest>;

export const RollbackRequest = z.object({ toVersion: z.number().int().min(1).optional() }).strict();
export type RollbackRequest = z.infer<typeof RollbackRequest>;

/** `berth restart`: nothing to choose; the current release gets new containers. */
export const RestartRequest = z.object({}).strict();

export const DeploymentParams = z.object({ id: Id }).strict();

export const EventsQuery = z
  .object({
    follow: z.enum(['true', 'false', '1', '0']).optional(),
    /** Only events after this sequence number: a follower that reconnects resumes where it was. */
    after: z.coerce
      .number()
      .int()
      .min(0)
      .optional()
      .describe('Only events after this sequence number (a follower that reconnects resumes there)'),
  })
  .strict();

/** `restart`: new containers of the current release, rolled out like a deploy (`berth restart`). */
/** `move`: the same release and replica count, placed again (replicas leave a drained server). */
export const DeploymentKind = z.enum([
  'deploy',
  'rollback',
  'env',
  'secrets',
  'scale',
  'limits',
  'restart',
  'move',
]);
export type DeploymentKind = z.infer<typeof DeploymentKind>;

/** `ignored`: nothing was rolled out on purpose (a webhook's commit was no longer its branch's tip). */
export const DeploymentStatus = z.enum([
  'queued',
  'preparing',
  'rolling_out',
  'succeeded',
  'failed',
  'ignored',
]);
export type DeploymentStatus = z.infer<typeof DeploymentStatus>;

export const TERMINAL_DEPLOYMENT_STATUSES: readonly DeploymentStatus[] = ['succeeded', 'failed', 'ignored'];

export const DeploymentError = z.object({
  code: z.string(),
  message: z.string(),
  logs: z.array(z.string()),
});
export type DeploymentError = z.infer<typeof DeploymentError>;

export const Deployment = z.object({
  id: Id,
  appId: Id,
  appName: AppName,
  releaseId: Id,
  releaseVersion: z.number().int(),
  kind: DeploymentKind,
  status: DeploymentStatus,
  replicas: Replicas,
  /** The build this deployment runs first, when it deploys from source. */
  build: z.object({ id: Id, number: z.number().int() }).nullable(),
  error: DeploymentError.nullable(),
  /** Absent from older berthd. */
  requestedBy: z
    .string()
    .nullable()
    .optional()
    .describe(
      "Who asked for it: a user's email or an API token's name; null when berthd queued it itself (a webhook's push, a move off a drained server) or it predates the field",
    ),
  createdAt: Timestamp,
  startedAt: Timestamp.nullable(),
  finishedAt: Timestamp.nullable(),
});
export type Deployment = z.infer<typeof Deployment>;

/** An app's newest deployment, as the app listing carries it (the overview's "last deploy"). */
export const DeploymentSummary = Deployment.pick({
  id: true,
  kind: true,
  status: true,
  releaseVersion: true,
  requestedBy: true,
  createdAt: true,
  startedAt: true,
  finishedAt: true,
});
export type DeploymentSummary = z.infer<typeof DeploymentSummary>;

export const DeploymentEvent = z.object({
  seq: z.number().int(),
  at: Timestamp,
  level: z.enum(['info', 'warn', 'error']),
  message: z.string(),
});
export type DeploymentEvent = z.infer<typeof DeploymentEvent>;

/** The NDJSON stream of `GET /deployments/{id}/events`: events, then one final `end` line. */
export const DeploymentStreamLine = z.discriminatedUnion('type', [
  z.object({ type: z.literal('event'), event: DeploymentEvent }),
  z.object({ type: z.literal('end'), deployment: Deployment }),
]);
export type DeploymentStreamLine = z.infer<typeof DeploymentStreamLine>;

export const DeploymentList = z.object({ deployments: z.array(Deployment) });
export const DeploymentWithEvents = Deployment.extend({ events: z.array(DeploymentEvent) });
export type DeploymentWithEvents = z.infer<typeof DeploymentWithEvents>;
