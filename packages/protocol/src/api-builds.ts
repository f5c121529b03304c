import { z } from 'zod';
import { DeploymentError } from './api-deployments.js';
import { AppName, Id } from './names.js';
import { BuilderName, GitRef } from './source.js';

/** Builds from source, as the API shows them. */

const Timestamp = z.string().describe('RFC 3339 timestamp');

/** `ignored`: a webhook's commit was no longer its branch's tip when fetched, so nothing was built. */
export const BuildStatus = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled', 'ignored']);
export type BuildStatus = z.infer<typeof BuildStatus>;
export const TERMINAL_BUILD_STATUSES: readonly BuildStatus[] = [
  'succeeded',
  'failed',
  'cancelled',
  'ignored',
];

export const BuildSourceView = z.discriminatedUnion('type', [
  z.object({ type: z.literal('git'), url: z.string(), ref: GitRef }),
  z.object({ type: z.literal('archive'), sha256: z.string(), bytes: z.number().int() }),
]);

export const Build = z.object({
  id: Id,
  appName: AppName,
  number: z.number().int(),
  status: BuildStatus,
  trigger: z.enum(['deploy', 'webhook', 'upload']),
  source: BuildSourceView,
  commit: z.string().nullable(),
  subject: z.string().nullable(),
  builder: BuilderName.nullable(),
  image: z.string().nullable(),
  imageId: z.string().nullable(),
  error: DeploymentError.nullable(),
  deploymentId: Id.nullable(),
  createdAt: Timestamp,
  startedAt: Timestamp.nullable(),
  finishedAt: Timestamp.nullable(),
  durationMs: z.number().int().nullable(),
});
export type Build = z.infer<typeof Build>;

export const BuildList = z.object({ builds: z.array(Build) });

/** A build number as it appears in a path: decimal digits only (no signs, exponents or hex). */
export const BuildNumber = z
  .string()
  .regex(/^[1-9][0-9]{0,8}$/, { message: 'must be a build number like 3' });
export const BuildParams = z.object({ app: AppName, number: BuildNumber }).strict();

export const BuildLogsQuery = z
  .object({
    follow: z.enum(['true', 'false', '1', '0']).optional(),
    after: z.coerce.number().int().min(0).optional(),
  })
  .strict();

export const BuildLogLine = z.object({ seq: z.number().int(), at: Timestamp, line: z.string() });
export type BuildLogLine = z.infer<typeof BuildLogLine>;

/** The NDJSON stream of a build's log: lines, then one `end` line with the build. */
export const BuildLogStreamLine = z.discriminatedUnion('type', [
  z.object({ type: z.literal('line'), line: BuildLogLine }),
  z.object({ type: z.literal('end'), build: Build }),
]);
export type BuildLogStreamLine = z.infer<typeof BuildLogStreamLine>;

/** What to paste into GitHub (or another git host) so pushes deploy. */
export const WebhookInfo = z.object({
  github: z.string().describe('URL for a GitHub push webhook (content type application/json)'),
  generic: z.string().describe('URL for other git hosts, signed the same way'),
  secret: z.string(),
  branch: z.string().nullable(),
});
export type WebhookInfo = z.infer<typeof WebhookInfo>;

/** The answer to a webhook delivery: whether it started a deployment, and why not. */
export const WebhookOutcome = z.object({
  outcome: z.enum(['deploying', 'ignored']),
  reason: z.string(),
  deploymentId: Id.nullable(),
});
export type WebhookOutcome = z.infer<typeof WebhookOutcome>;

/** The body of the generic webhook: the branch (or full ref) pushed, and optionally its commit. */
export const GenericWebhookBody = z
  .object({
    ref: z.string().max(300),
    commit: z.string().max(64).optional(),
  })
  .strict();

export const BASE_IMAGE_KIND_NAMES = [
  'debian',
  'node',
  'python',
  'static',
  'go',
  'postgres',
  'mariadb',
  'redis',
] as const;
export const BaseImageKindName = z.enum(BASE_IMAGE_KIND_NAMES);

export const ImagesBootstrapRequest = z
  .object({
    only: z.array(BaseImageKindName).min(1).max(BASE_IMAGE_KIND_NAMES.length).optional(),
    force: z.boolean().optional(),
  })
  .strict();
export type ImagesBootstrapRequest = z.infer<typeof ImagesBootstrapRequest>;

export const BaseImageResult = z.object({
  kind: BaseImageKindName,
  ref: z.string(),
  imageId: z.string(),
  status: z.enum(['built', 'up-to-date']),
  seconds: z.number(),
});
export const ImagesBootstrapResult = z.object({ images: z.array(BaseImageResult) });
export type ImagesBootstrapResult = z.infer<typeof ImagesBootstrapResult>;

/** NDJSON of `POST /images/bootstrap`: progress lines, then the result or an error. */
export const ImagesBootstrapStreamLine = z.discriminatedUnion('type', [
  z.object({ type: z.literal('line'), line: z.string() }),
  z.object({ type: z.literal('end'), result: ImagesBootstrapResult }),
  z.object({
    type: z.literal('error'),
    error: z.object({ code: z.string(), message: z.string(), hint: z.string().optional() }),
  }),
]);
export type ImagesBootstrapStreamLine = z.infer<typeof ImagesBootstrapStreamLine>;
