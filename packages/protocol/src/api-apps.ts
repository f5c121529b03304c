import { z } from 'zod';
import { HealthCheck, HealthCheckInput } from './api-health-checks.js';
import { Deployment, DeploymentSummary } from './api-deployments.js';
import { DomainCreate } from './api-domains.js';
import { ReleaseSummary } from './api-releases.js';
import {
  AppName,
  Command,
  DeployImageRef,
  Env,
  EnvKey,
  Id,
  ImageRef,
  Port,
  ProjectName,
  Replicas,
  TeamName,
} from './names.js';
import { PlacementConstraints } from './placement.js';
import { DeployStrategy, VolumeMounts } from './api-volumes.js';
import { DatabaseEngine, DatabaseName } from './api-databases.js';
import { ResourceLimits, ResourceLimitsInput } from './runtime.js';
import { GitRef, GitUrl, mayCarryCredentials } from './source.js';
import { Timestamp } from './timestamp.js';

/** Bodies are strict: an unknown field is a 400 naming it, never silently ignored. */

/**
 * A git source as a person gives it: the ref defaults to the branch `main`. The token (https) or
 * deploy key (ssh) is write-only: kept encrypted, given to the agent for a build, never returned.
 */
export const GitSourceInput = z
  .object({
    url: GitUrl,
    ref: GitRef.optional(),
    token: z
      .string()
      .min(1)
      .max(4096)
      .regex(/^[\x21-\x7e]+$/, {
        message: 'must be printable ASCII without spaces',
      })
      .optional(),
    sshKey: z
      .string()
      .max(16 * 1024)
      .regex(
        /^-----BEGIN [A-Z ]*PRIVATE KEY-----\n[A-Za-z0-9+/=\n\r -]+-----END [A-Z ]*PRIVATE KEY-----\s*$/,
        {
          message: 'must be a PEM or OpenSSH private key',
        },
      )
      .optional(),
  })
  .strict();
export type GitSourceInput = z.infer<typeof GitSourceInput>;

export const AppCreate = z
  .object({
    name: AppName,
    /** One of image and git, or neither for an app deployed only from uploaded directories. */
    image: DeployImageRef.optional(),
    git: GitSourceInput.optional(),
    port: Port.optional(),
    command: Command.optional(),
    env: Env.optional(),
    health: HealthCheckInput.optional(),
    replicas: Replicas.optional(),
    /** CPU, memory and pids of each replica; what is not given takes LIMIT_DEFAULTS. */
    limits: ResourceLimitsInput.optional(),
    /** Server labels its replicas need (`zone=b`, `role!=build`); none: any server. */
    constraints: PlacementConstraints.optional(),
    /** Defaults to the caller's team when it has one, else the default team. */
    team: TeamName.optional(),
    /** A project of that team; defaults to its `default` project. */
    project: ProjectName.optional(),
    /** Custom domains, added in the same transaction as the app (HTTPS once a certificate covers them). */
    domains: z.array(DomainCreate).max(8).optional(),
    /** Volumes of its team mounted in every replica; its replicas then run on their server. */
    volumes: VolumeMounts.optional(),
    /** How a new release replaces the old: `rolling` (default) or `recreate`. */
    strategy: DeployStrategy.optional(),
    /**
     * Managed databases made in the app's transaction, each on its own volume, and linked into
     * the app (`apps create --db postgres`): named `<app>-<engine>` unless named, the URL in
     * DATABASE_URL unless `as` says otherwise. On the local server (as `db create` without --server).
     */
    databases: z
      .array(
        z.object({ engine: DatabaseEngine, name: DatabaseName.optional(), as: EnvKey.optional() }).strict(),
      )
      .max(3)
      .optional(),
  })
  .strict()
  .refine(
    (a) =>
      new Set((a.databases ?? []).map((d) => d.as ?? 'DATABASE_URL')).size === (a.databases ?? []).length,
    {
      message: 'each database needs a secret name of its own: give `as` to all but one',
      path: ['databases'],
    },
  )
  .refine((a) => !(a.image && a.git), {
    message: 'give either image or git, not both',
    path: ['git'],
  })
  .refine((a) => !a.git?.token || mayCarryCredentials(a.git.url), {
    message:
      'a token is sent only over https (or http to this machine): use the https:// URL of the repository',
    path: ['git', 'token'],
  });
export type AppCreate = z.infer<typeof AppCreate>;

/** Changes to the app's spec take effect with the next deploy. */
export const AppUpdate = z
  .object({
    image: DeployImageRef.optional(),
    port: Port.optional(),
    command: Command.nullable().optional(),
    health: HealthCheckInput.optional(),
    /** Replaces the app's placement constraints ([] clears them); used from the next deployment. */
    constraints: PlacementConstraints.optional(),
    /** `rolling` or `recreate`; used from the next deployment. */
    strategy: DeployStrategy.optional(),
  })
  .strict();
export type AppUpdate = z.infer<typeof AppUpdate>;

export const EnvPatch = z
  .object({ set: Env.optional(), unset: z.array(EnvKey).max(256).optional() })
  .strict()
  .refine((p) => Object.keys(p.set ?? {}).length + (p.unset ?? []).length > 0, {
    message: 'set or unset at least one variable',
  });
export type EnvPatch = z.infer<typeof EnvPatch>;

/**
 * Horizontal (replicas) and vertical (limits) scale. New limits make a new release of the
 * running one, rolled out like an env change; replicas alone reuse the current release.
 */
export const ScaleRequest = z
  .object({ replicas: Replicas.optional(), limits: ResourceLimitsInput.optional() })
  .strict()
  .refine((s) => s.replicas !== undefined || s.limits !== undefined, {
    message: 'give replicas, limits or both',
  });
export type ScaleRequest = z.infer<typeof ScaleRequest>;

export const AppParams = z.object({ app: AppName }).strict();

export const ReplicaState = z.enum([
  'created',
  'starting',
  'healthy',
  'serving',
  'draining',
  'stopping',
  'exited',
]);
export type ReplicaState = z.infer<typeof ReplicaState>;

export const ReplicaStatus = z.object({
  name: z.string(),
  releaseId: Id,
  releaseVersion: z.number().int().nullable(),
  slot: z.number().int(),
  state: ReplicaState,
  server: z.string(),
});
export type ReplicaStatus = z.infer<typeof ReplicaStatus>;

export const AppStatus = z.enum(['new', 'deploying', 'running', 'failed', 'stopped']);
export type AppStatus = z.infer<typeof AppStatus>;

export const App = z.object({
  id: Id,
  name: AppName,
  team: TeamName,
  project: ProjectName,
  /** Names of the app's secrets; their values are never returned. */
  secrets: z.array(EnvKey),
  url: z.string(),
  image: ImageRef,
  /** The git source it is built from; null for apps that run a given image. */
  source: z
    .object({
      type: z.literal('git'),
      url: z.string(),
      ref: GitRef,
      credentials: z.enum(['none', 'token', 'ssh-key']),
    })
    .nullable(),
  port: Port,
  command: z.array(z.string()).nullable(),
  env: z.record(z.string(), z.string()),
  health: HealthCheck,
  replicas: Replicas,
  /** What each replica may use (the defaults unless set); changed with `scale`. */
  limits: ResourceLimits,
  /** Server labels its replicas need (`zone=b`, `role!=build`); empty: any server. Absent from older berthd. */
  constraints: PlacementConstraints.optional(),
  /** Volumes mounted in its replicas. Absent from older berthd. */
  volumes: z.array(z.object({ volume: z.string(), path: z.string() })).optional(),
  /** How a new release replaces the old. Absent from older berthd. */
  strategy: DeployStrategy.optional(),
  status: AppStatus,
  currentRelease: ReleaseSummary.nullable(),
  /** Absent from older berthd. */
  lastDeployment: DeploymentSummary.nullable()
    .optional()
    .describe('Its newest deployment, whatever its status (null: never deployed)'),
  /** Each replica as the agent of the server it runs on reports it, by slot. */
  replicaStatus: z.array(ReplicaStatus),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  /** What is probably wrong with its settings (e.g. PORT in env against its port); none when fine. */
  warnings: z.array(z.string()).optional(),
});
export type App = z.infer<typeof App>;

export const EnvList = z.object({ env: z.record(z.string(), z.string()) });

export const AppList = z.object({ apps: z.array(App) });

/** What a change of env answers: the variables now, and the deployment rolling them out (null: the app was never deployed). */
export const EnvChange = z.object({ env: EnvList.shape.env, deployment: Deployment.nullable() });
export type EnvChange = z.infer<typeof EnvChange>;

/** What a scale answers: replicas and limits now, and the deployment rolling them out (null: nothing to roll out). */
export const ScaleChange = z.object({
  replicas: z.number().int(),
  limits: ResourceLimits,
  deployment: Deployment.nullable(),
});
export type ScaleChange = z.infer<typeof ScaleChange>;
