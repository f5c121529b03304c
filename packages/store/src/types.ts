import type { AppSpec, RolloutDirection } from '@berth/core';
import type { AuditCheckpointRepo, AuditRepo, AuditRow } from './types-audit.js';
import type { AppSealedRepo, BuildRepo } from './types-builds.js';
import type { JoinTokenRepo, PlacementRepo, RolloutStageRepo, ServerRepo } from './types-fleet.js';
import type { DomainRepo } from './types-domains.js';
import type { VolumeRepo } from './types-volumes.js';
import type { NotificationRepo } from './types-notifications.js';
import type { CronRepo } from './types-cron.js';
import type { BackupKeyRepo, BackupRepo, BackupScheduleRepo, BackupTargetRepo } from './types-backups.js';
import type { DatabaseRepo } from './types-databases.js';
import type { BaseCertificateRepo, CertificateRepo } from './types-certificates.js';
import type {
  InvitationRepo,
  LoginFailureRepo,
  MembershipRepo,
  OneTimeTokenRepo,
  ProjectRepo,
  SessionRepo,
  TeamRepo,
  TeamSettingsRepo,
  UserRepo,
} from './types-identity.js';
import type { ReleaseSecretRepo, SecretRepo } from './types-secrets.js';
import type {
  DeploymentError,
  DeploymentKind,
  DeploymentStatus,
  DeployStrategy,
  GitSource,
  HealthCheck,
  ResourceLimits,
} from '@berth/protocol';

/**
 * The store's port. Callers see these types and nothing of SQL; SQLite (default) and PostgreSQL
 * (later) implement the same repositories through Kysely. Timestamps are epoch milliseconds.
 */

export type Role = 'owner' | 'admin' | 'operator' | 'viewer';

export interface TokenRow {
  id: string;
  /** Unique per team. */
  name: string;
  /** sha256 of the token, hex. The token itself is never stored. */
  hash: string;
  role: Role;
  teamId: string;
  createdAt: number;
  lastUsedAt: number | null;
  expiresAt: number | null;
  revokedAt: number | null;
}

export interface AppRow extends AppSpec {
  id: string;
  projectId: string;
  /** The project's team (read through the project; not written by create/update). */
  teamId: string;
  name: string;
  /**
   * The app's settings are the AppSpec fields (image, port, command, env, health, replicas,
   * limits) with its secrets: what every change starts from and the next release is made of.
   * What the servers run is below.
   */
  /** The release the servers run; set when a deployment makes it current, null before the first. */
  currentReleaseId: string | null;
  /** How many replicas of it they run (0 with none). */
  currentReplicas: number;
  /** The deployment whose rollout the servers do: forward, or its revert after it failed. */
  currentDeploymentId: string | null;
  rolloutDirection: RolloutDirection;
  /**
   * The deployment whose request last set the settings (a deploy, env, secrets, scale, rollback):
   * they are those of its release. Null: they are those of the current release, or nothing was
   * deployed yet.
   */
  settingsDeploymentId: string | null;
  /** Where the app's code comes from, when it is built by Berth; null for image apps. */
  source: GitSource | null;
  /** The port was given by a person; berth.yaml's port does not override it. */
  portSet: boolean;
  /** Placement constraints on server labels (`zone=b`, `role!=build`); empty: any server. */
  constraints: string[];
  /** How a new release replaces the old: `rolling` or `recreate` (old stop first). */
  strategy: DeployStrategy;
  createdAt: number;
  updatedAt: number;
}

export type AppPatch = Partial<
  Pick<
    AppRow,
    | 'image'
    | 'port'
    | 'command'
    | 'env'
    | 'health'
    | 'replicas'
    | 'currentReleaseId'
    | 'currentReplicas'
    | 'currentDeploymentId'
    | 'rolloutDirection'
    | 'settingsDeploymentId'
    | 'source'
    | 'portSet'
    | 'limits'
    | 'constraints'
    | 'strategy'
  >
>;

export interface ReleaseRow {
  id: string;
  appId: string;
  version: number;
  image: string;
  /** Set once, when the deploy job resolves the image; null until then. */
  imageId: string | null;
  env: Record<string, string>;
  port: number;
  command: string[] | null;
  health: HealthCheck;
  replicas: number;
  /** What each replica may use; releases made before limits existed read as the defaults. */
  limits: ResourceLimits;
  /** The build that made its image, for releases built from source. */
  buildId: string | null;
  commit: string | null;
  /** The image's manifest digest in the fleet registry once pushed there; null before (or never). */
  registryDigest: string | null;
  createdAt: number;
}

export interface DeploymentRow {
  id: string;
  appId: string;
  releaseId: string;
  kind: DeploymentKind;
  status: DeploymentStatus;
  replicas: number;
  /** What was current before, so a failure can put it back. */
  previousReleaseId: string | null;
  previousReplicas: number | null;
  idempotencyKey: string | null;
  /** sha256 of the request that created it, to tell a retry from a conflicting reuse of the key. */
  requestHash: string | null;
  error: DeploymentError | null;
  /** The build this deployment waits for before it rolls out; null when the image is given. */
  buildId: string | null;
  /**
   * Who asked for it, as the audit log names the actor: a user's email or an API token's name;
   * null for what berthd queued itself (webhook pushes, moves off a drained server, databases'
   * own workloads) and for deployments older than the column.
   */
  requestedBy: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export type DeploymentPatch = Partial<
  Pick<
    DeploymentRow,
    'status' | 'error' | 'startedAt' | 'finishedAt' | 'replicas' | 'previousReleaseId' | 'previousReplicas'
  >
>;

export interface DeploymentEventRow {
  deploymentId: string;
  seq: number;
  at: number;
  level: 'info' | 'warn' | 'error';
  message: string;
}

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface JobRow {
  id: string;
  kind: string;
  payload: unknown;
  idempotencyKey: string | null;
  /** At most one job per concurrency key runs at a time (e.g. one deploy per app). */
  concurrencyKey: string | null;
  status: JobStatus;
  attempts: number;
  maxAttempts: number;
  leaseOwner: string | null;
  leaseUntil: number | null;
  nextRunAt: number;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface NewJob {
  id: string;
  kind: string;
  payload: unknown;
  idempotencyKey?: string | null;
  concurrencyKey?: string | null;
  maxAttempts?: number;
  runAt?: number;
}

export interface MetaRepo {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  /** Atomically increments and returns a named counter. */
  increment(key: string): Promise<number>;
}

export interface TenancyRepo {
  /** Creates the default team and project on first use; returns their ids. */
  ensureDefaults(
    ids: { teamId: string; projectId: string },
    now: number,
  ): Promise<{ teamId: string; projectId: string }>;
}

export interface TokenRepo {
  /** Throws BerthError VALIDATION_FAILED (path `name`) when the team already has a token of that name. */
  create(row: TokenRow): Promise<void>;
  findByHash(hash: string): Promise<TokenRow | null>;
  findByName(teamId: string, name: string): Promise<TokenRow | null>;
  touch(id: string, at: number): Promise<void>;
  revoke(id: string, at: number): Promise<void>;
  /** All tokens, or those of the given teams. */
  list(teamIds?: readonly string[]): Promise<TokenRow[]>;
}

export interface AppRepo {
  /** Throws BerthError APP_EXISTS when the name is taken. */
  create(row: AppRow): Promise<void>;
  getByName(name: string): Promise<AppRow | null>;
  getById(id: string): Promise<AppRow | null>;
  list(): Promise<AppRow[]>;
  update(id: string, patch: AppPatch, now: number): Promise<AppRow>;
  /** Deletes the app with its releases, deployments, events and jobs. */
  delete(id: string): Promise<void>;
}

/** A release as its maker gives it: the database numbers it. */
export type NewReleaseRow = Omit<ReleaseRow, 'version' | 'registryDigest'>;

export interface ReleaseRepo {
  /**
   * Numbers the release from the app's counter (the next version, taken under the app row's lock,
   * so concurrent transactions never get one twice) and inserts it; (app, version) is unique.
   * Throws APP_NOT_FOUND when the app is gone.
   */
  create(row: NewReleaseRow): Promise<ReleaseRow>;
  get(id: string): Promise<ReleaseRow | null>;
  getByVersion(appId: string, version: number): Promise<ReleaseRow | null>;
  /** Newest first. */
  list(appId: string): Promise<ReleaseRow[]>;
  /** Only from null: a release's image id is written once. */
  setImageId(id: string, imageId: string): Promise<void>;
  /** Records where the fleet registry holds the image; the same digest again is a no-op. */
  setRegistryDigest(id: string, digest: string): Promise<void>;
  /**
   * A release waiting for its build gets what the build decided (image, and port/env/health from
   * berth.yaml), once: only while its image id is still null.
   */
  completeBuild(
    id: string,
    built: Pick<ReleaseRow, 'image' | 'imageId' | 'commit' | 'port' | 'env' | 'health' | 'replicas'> & {
      imageId: string;
    },
  ): Promise<void>;
}

export interface DeploymentRepo {
  create(row: DeploymentRow): Promise<void>;
  get(id: string): Promise<DeploymentRow | null>;
  /** Newest first. */
  list(appId: string, limit: number): Promise<DeploymentRow[]>;
  findByIdempotencyKey(appId: string, key: string): Promise<DeploymentRow | null>;
  update(id: string, patch: DeploymentPatch): Promise<DeploymentRow>;
  /** The newest succeeded deployment of the app whose release differs from `releaseId`. */
  lastSucceededOtherThan(appId: string, releaseId: string): Promise<DeploymentRow | null>;
  /**
   * The id of the restart whose containers run a release: the newest restart of it that
   * succeeded or is `rollingId` while it rolls out (a failed one is undone); null for none.
   */
  currentRestart(appId: string, releaseId: string, rollingId: string | null): Promise<string | null>;
  /** The newest succeeded deployment of that release. */
  lastSucceededOf(appId: string, releaseId: string): Promise<DeploymentRow | null>;
  /**
   * Each given app's newest deployment with its release's version, in one query (the app list
   * shows every app's last deploy); apps without any are absent from the map.
   */
  newestOf(appIds: readonly string[]): Promise<Map<string, NewestDeployment>>;
}

export interface NewestDeployment {
  deployment: DeploymentRow;
  releaseVersion: number;
}

export interface EventRepo {
  /** Appends with the next seq for that deployment and returns it. */
  append(
    deploymentId: string,
    event: Omit<DeploymentEventRow, 'deploymentId' | 'seq'>,
  ): Promise<DeploymentEventRow>;
  list(deploymentId: string, afterSeq: number): Promise<DeploymentEventRow[]>;
}

export interface JobRepo {
  /** Returns the existing job when one with the same idempotency key exists. */
  enqueue(job: NewJob, now: number): Promise<JobRow>;
  /**
   * Claims the oldest due job (`queued`, or `running` with a lapsed lease) whose concurrency key
   * has no other job under a live lease; increments attempts; sets the lease. Null when none.
   */
  claim(owner: string, now: number, leaseMs: number, kinds?: readonly string[]): Promise<JobRow | null>;
  /** Extends the lease; false when the job is no longer held by this owner (another worker took it). */
  renew(id: string, owner: string, leaseUntil: number): Promise<boolean>;
  complete(id: string, owner: string, now: number): Promise<void>;
  /**
   * Fails for good the jobs whose lease lapsed after their last allowed attempt (their worker died
   * every time: the job may be what kills it) and returns them, each to exactly one caller.
   */
  failExhausted(now: number): Promise<JobRow[]>;
  /** Retry later (`retryAt`), or fail for good (`retryAt` null, or attempts exhausted). */
  fail(id: string, owner: string, error: string, retryAt: number | null, now: number): Promise<JobRow>;
  get(id: string): Promise<JobRow | null>;
}

export interface Repos {
  meta: MetaRepo;
  tenancy: TenancyRepo;
  teams: TeamRepo;
  teamSettings: TeamSettingsRepo;
  projects: ProjectRepo;
  users: UserRepo;
  memberships: MembershipRepo;
  invitations: InvitationRepo;
  sessions: SessionRepo;
  oneTimeTokens: OneTimeTokenRepo;
  loginFailures: LoginFailureRepo;
  secrets: SecretRepo;
  releaseSecrets: ReleaseSecretRepo;
  audit: AuditRepo;
  auditCheckpoints: AuditCheckpointRepo;
  tokens: TokenRepo;
  servers: ServerRepo;
  placements: PlacementRepo;
  rolloutStages: RolloutStageRepo;
  joinTokens: JoinTokenRepo;
  apps: AppRepo;
  releases: ReleaseRepo;
  deployments: DeploymentRepo;
  events: EventRepo;
  jobs: JobRepo;
  builds: BuildRepo;
  appSealed: AppSealedRepo;
  domains: DomainRepo;
  volumes: VolumeRepo;
  notifications: NotificationRepo;
  cron: CronRepo;
  backupKeys: BackupKeyRepo;
  backupTargets: BackupTargetRepo;
  backups: BackupRepo;
  backupSchedules: BackupScheduleRepo;
  databases: DatabaseRepo;
  certificates: CertificateRepo;
  baseCertificates: BaseCertificateRepo;
}

export interface Store extends Repos {
  /** Runs fn in one transaction: all of its writes land, or none do. */
  transaction<T>(fn: (tx: Repos) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /**
   * Calls `listener` after each commit that appended audit rows, with the newest of them, and
   * awaits it before that transaction's promise (or the lone append's) resolves: what the
   * listener does about a row is done before its caller goes on.
   */
  onAuditCommitted(listener: AuditCommitListener): void;
  /**
   * Calls `listener` after each commit that created or changed deployments or appended their
   * events, with their ids: a follower reads them then, instead of polling. Synchronous: it only
   * wakes readers.
   */
  onDeploymentsCommitted(listener: DeploymentsListener): void;
  /**
   * Calls `listener` after each commit with what it wrote, by id (see CommittedChanges): berthd's
   * event bus hears of every change this way, whichever code path made it. Synchronous, like
   * onDeploymentsCommitted: it only wakes readers, who read the rows themselves.
   */
  onCommitted(listener: CommitListener): void;
}

export type AuditCommitListener = (row: AuditRow) => Promise<void>;
export type DeploymentsListener = (deploymentIds: ReadonlySet<string>) => void;

/** What a deleted app leaves for a listener that can no longer read its row. */
export interface DeletedApp {
  teamId: string;
  name: string;
}

/** What one commit wrote, by id (never the rows: a listener reads what it needs). */
export interface CommittedChanges {
  /** Apps created or updated, or whose releases, secrets or domains were written. */
  readonly apps: ReadonlySet<string>;
  /** Apps deleted, with their team and name. */
  readonly deletedApps: ReadonlyMap<string, DeletedApp>;
  /** Deployments created or updated, or given an event. */
  readonly deployments: ReadonlySet<string>;
  /** Builds created or updated. */
  readonly builds: ReadonlySet<string>;
  /** Builds given log lines. */
  readonly buildLogs: ReadonlySet<string>;
  /** The teams of the audit rows appended (null: a row of no team, such as a login). */
  readonly auditTeams: ReadonlySet<string | null>;
}
export type CommitListener = (changes: CommittedChanges) => void;

export interface SqliteOptions {
  /** Path of the database file; `:memory:` for tests that need no file. */
  file: string;
  /**
   * How often a thread of its own syncs what was committed (DEFAULT_CHECKPOINT_EVERY_MS); 0: no
   * such thread, every commit synced on the caller's thread instead.
   */
  checkpointEveryMs?: number;
}
