import { z } from 'zod';
import {
  AppName,
  Command,
  DeployImageRef,
  Env,
  EnvKey,
  HttpPath,
  Id,
  ImageRef,
  Port,
  ProjectName,
  Replicas,
  TeamName,
} from './names.js';
import { ResourceLimits, ResourceLimitsInput } from './runtime.js';
import { PlacementConstraints } from './placement.js';
import { GitRef, GitUrl, mayCarryCredentials } from './source.js';
import { DomainCreate } from './api-domains.js';

/** Bodies are strict: an unknown field is a 400 naming it, never silently ignored. */

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
  })
  .strict()
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
  })
  .strict();
export type AppUpdate = z.infer<typeof AppUpdate>;

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
export const DeploymentParams = z.object({ id: Id }).strict();

/** The most lines of history a log request reads per replica (`tail`). */
export const LOG_TAIL_MAX = 10_000;

/**
 * `since`: a duration back from now (`90s`, `10m`, `2h`, `7d`) or an RFC 3339 time. Whether the
 * time exists and what `now` is are berthd's to decide (core's parseLogSince).
 */
export const LOG_SINCE_PATTERN =
  /^(?:\d{1,9}(?:ms|s|m|h|d)|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2}))$/;
export const LogSince = z.string().regex(LOG_SINCE_PATTERN, {
  message: 'must be a duration like 90s, 10m, 2h or 7d, or an RFC 3339 time like 2026-12-01T10:00:00Z',
});

/** `grep`: an RE2 pattern (linear-time matching); its size is checked by core's parseLogGrep. */
export const LOG_GREP_MAX_LENGTH = 200;
export const LogGrep = z
  .string()
  .min(1, { message: 'must not be empty' })
  .max(LOG_GREP_MAX_LENGTH, { message: `must be at most ${LOG_GREP_MAX_LENGTH} characters` });

export const LogsQuery = z
  .object({
    follow: z.enum(['true', 'false', '1', '0']).optional(),
    tail: z.coerce.number().int().min(0).max(LOG_TAIL_MAX).optional(),
    /** `false`: leave out the lines recognised as Berth's health probes (docs: README, logs). */
    health: z.enum(['true', 'false', '1', '0']).optional(),
    since: LogSince.optional().describe(
      'Only lines from then on: a duration back from now (90s, 10m, 2h, 7d) or an RFC 3339 time',
    ),
    grep: LogGrep.optional().describe(
      'Only lines that match this RE2 pattern (linear-time matching; no backreferences or lookaround; bounded complexity). With since or grep, tail defaults to 10000',
    ),
  })
  .strict();

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

// ---------------------------------------------------------------------------------------------
// Responses

const Timestamp = z.string().describe('RFC 3339 timestamp');

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
  status: AppStatus,
  currentRelease: ReleaseSummary.nullable(),
  /** Each replica as the agent of the server it runs on reports it, by slot. */
  replicaStatus: z.array(ReplicaStatus),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  /** What is probably wrong with its settings (e.g. PORT in env against its port); none when fine. */
  warnings: z.array(z.string()).optional(),
});
export type App = z.infer<typeof App>;

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
  createdAt: Timestamp,
  startedAt: Timestamp.nullable(),
  finishedAt: Timestamp.nullable(),
});
export type Deployment = z.infer<typeof Deployment>;

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

export const LogLine = z.object({
  at: Timestamp,
  replica: z.string(),
  /** `berth`: a line from Berth about the stream itself (a server that cannot be read), not app output. */
  stream: z.enum(['stdout', 'stderr', 'berth']),
  line: z.string(),
});
export type LogLine = z.infer<typeof LogLine>;

export const EnvList = z.object({ env: z.record(z.string(), z.string()) });

export const ServerInfo = z.object({
  id: Id,
  name: z.string(),
  status: z.enum(['online', 'offline']),
  lastSeenAt: Timestamp.nullable(),
});
export type ServerInfo = z.infer<typeof ServerInfo>;

export const Health = z.object({ status: z.literal('ok'), version: z.string() });

export const AppList = z.object({ apps: z.array(App) });
export const ReleaseList = z.object({ releases: z.array(Release) });
export const DeploymentList = z.object({ deployments: z.array(Deployment) });
export const ServerList = z.object({ servers: z.array(ServerInfo) });
export const DeploymentWithEvents = Deployment.extend({ events: z.array(DeploymentEvent) });

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
export type DeploymentWithEvents = z.infer<typeof DeploymentWithEvents>;
