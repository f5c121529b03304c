import type { AuditActorKind, AuditOutcome, RolloutDirection } from '@berth/core';
import type { DeploymentKind, DeploymentStatus } from '@berth/protocol';
import type { Generated, Insertable, Selectable } from 'kysely';
import type { OneTimePurpose, SessionKind } from './types-identity.js';
import type { BuildStatus, BuildTrigger, SealedPurpose } from './types-builds.js';
import type { DeploymentEventRow, JobStatus, Role } from './types.js';
import type { DomainsTable } from './types-domains.js';
import type { AppVolumesTable, VolumesTable } from './types-volumes.js';
import type { NotificationChannelsTable, NotificationDeliveriesTable } from './types-notifications.js';
import type { CronJobsTable, CronRunsTable } from './types-cron.js';
import type {
  BackupKeysTable,
  BackupSchedulesTable,
  BackupsTable,
  BackupTargetsTable,
} from './types-backups.js';
import type { DatabaseLinksTable, DatabasesTable } from './types-databases.js';
import type { BaseCertificatesTable, CertificatesTable } from './types-certificates.js';

/**
 * Kysely's view of the tables. Dialect-neutral on purpose, so PostgreSQL can sit beside SQLite:
 * text ids, epoch-ms integers (bigint) for time, JSON as text parsed in the repositories, and no
 * booleans (integers if one is ever needed). Columns holding JSON are named in `JsonText`.
 */

/** A column that holds JSON as text; the repository parses and checks it. */
export type JsonText = string;

export interface MetaTable {
  key: string;
  value: string;
}

export interface TeamsTable {
  id: string;
  name: string;
  created_at: number;
}

export interface TeamSettingsTable {
  team_id: string;
  /** 0 or 1. */
  allow_local_images: number;
  build_network: 'egress' | 'none';
  updated_at: number;
}

export interface ProjectsTable {
  id: string;
  team_id: string;
  name: string;
  created_at: number;
}

export interface TokensTable {
  id: string;
  name: string;
  hash: string;
  role: Role;
  team_id: string;
  created_at: number;
  last_used_at: number | null;
  expires_at: number | null;
  revoked_at: number | null;
}

export interface ServersTable {
  id: string;
  name: string;
  public_key: string;
  /** Added by 0002. */
  sealing_key: string | null;
  created_at: number;
  last_seen_at: number | null;
  /** Added by 0007: the version of the desired state this server is sent (was the `desired_version` meta key). */
  desired_version: Generated<number>;
  /** Added by 0008 (the fleet): JSON object of strings. */
  labels: Generated<string>;
  state: Generated<string>;
  cpu_millis: number | null;
  memory_mib: number | null;
  agent_version: string | null;
  private_ip: string | null;
  pending_public_key: string | null;
  /** Added by 0011 (the WireGuard mesh). */
  mesh_public_key: string | null;
  mesh_endpoint: string | null;
  mesh_ip: string | null;
}

/** Added by 0008. */
export interface JoinTokensTable {
  id: string;
  server_name: string;
  labels: Generated<string>;
  token_hash: string;
  created_by: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  server_id: string | null;
}

export interface AppsTable {
  id: string;
  project_id: string;
  name: string;
  image: string;
  port: number;
  command: JsonText | null;
  env: JsonText;
  health: JsonText;
  replicas: number;
  current_release_id: string | null;
  current_deployment_id: string | null;
  created_at: number;
  updated_at: number;
  /** Added by 0003: the app's git source (GitSource JSON), null for image apps. */
  source: JsonText | null;
  /** Added by 0003: 1 when a person set the port; berth.yaml's port then does not override it. */
  port_set: Generated<number>;
  /** Added by 0006: limits; NULL (rows made before) reads as the defaults. */
  cpu_millis: number | null;
  memory_mib: number | null;
  pids_limit: number | null;
  /** Added by 0007 (with the next four), replacing `revision`: see AppRow. */
  rollout_direction: Generated<RolloutDirection>;
  current_replicas: Generated<number>;
  settings_deployment_id: string | null;
  /** Counters new releases and builds take their numbers from. */
  last_release_version: Generated<number>;
  last_build_number: Generated<number>;
  /** Added by 0009: placement constraints, a JSON array of `key=value` / `key!=value`. */
  constraints: Generated<JsonText>;
  /** Added by 0016: `rolling` | `recreate`. */
  deploy_strategy: Generated<string>;
}

export interface ReleasesTable {
  id: string;
  app_id: string;
  version: number;
  image: string;
  image_id: string | null;
  env: JsonText;
  port: number;
  command: JsonText | null;
  health: JsonText;
  replicas: number;
  created_at: number;
  /** Added by 0003. */
  build_id: string | null;
  commit_sha: string | null;
  /** Added by 0010. */
  registry_digest: string | null;
  /** Added by 0006, as on apps. */
  cpu_millis: number | null;
  memory_mib: number | null;
  pids_limit: number | null;
}

export interface DeploymentsTable {
  id: string;
  app_id: string;
  release_id: string;
  kind: DeploymentKind;
  status: DeploymentStatus;
  replicas: number;
  previous_release_id: string | null;
  previous_replicas: number | null;
  idempotency_key: string | null;
  request_hash: string | null;
  error: JsonText | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  /** Added by 0003: the build this deployment waits for, if it deploys from source. */
  build_id: string | null;
  /** Added by 0023: who asked for it (an email, a token's name); null for berthd itself. */
  requested_by: string | null;
}

export interface DeploymentEventsTable {
  deployment_id: string;
  seq: number;
  at: number;
  level: DeploymentEventRow['level'];
  message: string;
}

export interface JobsTable {
  id: string;
  kind: string;
  payload: JsonText;
  idempotency_key: string | null;
  concurrency_key: string | null;
  status: Generated<JobStatus>;
  attempts: Generated<number>;
  max_attempts: number;
  lease_owner: string | null;
  lease_until: number | null;
  next_run_at: number;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

export interface UsersTable {
  id: string;
  email: string;
  password_hash: string | null;
  created_at: number;
  updated_at: number;
  disabled_at: number | null;
}

export interface MembershipsTable {
  user_id: string;
  team_id: string;
  role: Role;
  created_at: number;
}

export interface SessionsTable {
  id: string;
  token_hash: string;
  user_id: string;
  kind: SessionKind;
  created_at: number;
  expires_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface OneTimeTokensTable {
  id: string;
  token_hash: string;
  user_id: string;
  purpose: OneTimePurpose;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface LoginFailuresTable {
  key: string;
  at: number;
}

export interface SecretsTable {
  app_id: string;
  key: string;
  value: string;
  key_id: string;
  created_at: number;
  updated_at: number;
  /** Added by 0006: mounted as a file at this path; NULL: an environment variable. */
  file_path: string | null;
}

export interface ReleaseSecretsTable {
  release_id: string;
  key: string;
  value: string;
  key_id: string;
  /** Added by 0006, as on secrets. */
  file_path: string | null;
}

export interface AuditLogTable {
  seq: number;
  at: number;
  actor_kind: AuditActorKind;
  actor_id: string | null;
  actor_name: string | null;
  team_id: string | null;
  request_id: string | null;
  action: string;
  target: string | null;
  outcome: AuditOutcome;
  detail: JsonText;
  prev_hash: string;
  hash: string;
}

export interface BuildsTable {
  id: string;
  app_id: string;
  number: number;
  status: BuildStatus;
  trigger: BuildTrigger;
  source: JsonText;
  commit_sha: string | null;
  subject: string | null;
  builder: string | null;
  plan: JsonText | null;
  image: string | null;
  image_id: string | null;
  error: JsonText | null;
  deployment_id: string | null;
  cancel_requested_at: number | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

export interface BuildLogsTable {
  build_id: string;
  seq: number;
  at: number;
  line: string;
}

export interface AppSealedTable {
  app_id: string;
  purpose: SealedPurpose;
  value: string;
  key_id: string;
  created_at: number;
  updated_at: number;
}

export interface InvitationsTable {
  id: string;
  team_id: string;
  email: string;
  role: Role;
  created_account: number;
  invited_by: string | null;
  created_at: number;
  expires_at: number;
}

export interface AuditCheckpointsTable {
  seq: number;
  hash: string;
  at: number;
  key_id: string;
  signature: string;
}

/** Added by 0009: the server each replica slot of a deployment runs on. */
export interface PlacementsTable {
  deployment_id: string;
  app_id: string;
  slot: number;
  server_id: string;
}

/** Added by 0012: a rollout still reaching the servers one at a time. */
export interface RolloutStagesTable {
  app_id: string;
  revision: string;
  /** JSON array of server ids. */
  server_ids: string;
  reached: number;
}

export interface Database {
  meta: MetaTable;
  teams: TeamsTable;
  team_settings: TeamSettingsTable;
  projects: ProjectsTable;
  tokens: TokensTable;
  servers: ServersTable;
  join_tokens: JoinTokensTable;
  apps: AppsTable;
  releases: ReleasesTable;
  deployments: DeploymentsTable;
  deployment_events: DeploymentEventsTable;
  jobs: JobsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  sessions: SessionsTable;
  one_time_tokens: OneTimeTokensTable;
  login_failures: LoginFailuresTable;
  secrets: SecretsTable;
  release_secrets: ReleaseSecretsTable;
  audit_log: AuditLogTable;
  builds: BuildsTable;
  build_logs: BuildLogsTable;
  app_sealed: AppSealedTable;
  invitations: InvitationsTable;
  audit_checkpoints: AuditCheckpointsTable;
  placements: PlacementsTable;
  rollout_stages: RolloutStagesTable;
  domains: DomainsTable;
  volumes: VolumesTable;
  app_volumes: AppVolumesTable;
  notification_channels: NotificationChannelsTable;
  notification_deliveries: NotificationDeliveriesTable;
  cron_jobs: CronJobsTable;
  cron_runs: CronRunsTable;
  backup_keys: BackupKeysTable;
  backup_targets: BackupTargetsTable;
  backups: BackupsTable;
  backup_schedules: BackupSchedulesTable;
  databases: DatabasesTable;
  database_links: DatabaseLinksTable;
  certificates: CertificatesTable;
  base_certificates: BaseCertificatesTable;
}

export type AppsRecord = Selectable<AppsTable>;
export type ReleasesRecord = Selectable<ReleasesTable>;
export type DeploymentsRecord = Selectable<DeploymentsTable>;
export type TokensRecord = Selectable<TokensTable>;
export type ServersRecord = Selectable<ServersTable>;
export type JoinTokensRecord = Selectable<JoinTokensTable>;
export type EventsRecord = Selectable<DeploymentEventsTable>;
export type JobsRecord = Selectable<JobsTable>;
export type NewJobRecord = Insertable<JobsTable>;
export type TeamsRecord = Selectable<TeamsTable>;
export type TeamSettingsRecord = Selectable<TeamSettingsTable>;
export type ProjectsRecord = Selectable<ProjectsTable>;
export type UsersRecord = Selectable<UsersTable>;
export type MembershipsRecord = Selectable<MembershipsTable>;
export type SessionsRecord = Selectable<SessionsTable>;
export type OneTimeTokensRecord = Selectable<OneTimeTokensTable>;
export type SecretsRecord = Selectable<SecretsTable>;
export type ReleaseSecretsRecord = Selectable<ReleaseSecretsTable>;
export type AuditLogRecord = Selectable<AuditLogTable>;
export type BuildsRecord = Selectable<BuildsTable>;
export type AppSealedRecord = Selectable<AppSealedTable>;
export type InvitationsRecord = Selectable<InvitationsTable>;
export type AuditCheckpointsRecord = Selectable<AuditCheckpointsTable>;
