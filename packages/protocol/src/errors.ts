/**
 * One error hierarchy for every part of Berth. Codes are stable: clients, tests and docs key on
 * them. Domain and store code throw these; exactly one place (the HTTP layer) maps codes to
 * statuses, and the CLI maps them to exit codes.
 */

export const ERROR_CODES = {
  // Request shape
  VALIDATION_FAILED: { status: 400, retryable: false },
  BODY_MALFORMED: { status: 400, retryable: false },
  BODY_TOO_LARGE: { status: 413, retryable: false },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, retryable: false },
  METHOD_NOT_ALLOWED: { status: 405, retryable: false },
  ROUTE_NOT_FOUND: { status: 404, retryable: false },
  /** Plain HTTP to berthd at an address beyond loopback, where it speaks HTTPS only. */
  TLS_REQUIRED: { status: 400, retryable: false },
  // Auth
  UNAUTHENTICATED: { status: 401, retryable: false },
  INVALID_CREDENTIALS: { status: 401, retryable: false },
  CSRF_FAILED: { status: 403, retryable: false },
  FORBIDDEN: { status: 403, retryable: false },
  RATE_LIMITED: { status: 429, retryable: true },
  /** A WebSocket route (`berth exec`) asked without the upgrade. */
  UPGRADE_REQUIRED: { status: 426, retryable: false },
  TOKEN_INVALID: { status: 400, retryable: false },
  /** The first-owner setup link: used, expired, or made by an earlier start of berthd. */
  SETUP_TOKEN_INVALID: { status: 400, retryable: false },
  /** The first-owner setup of an installation that already has an owner account. */
  SETUP_DONE: { status: 409, retryable: false },
  // Resources
  APP_NOT_FOUND: { status: 404, retryable: false },
  TEAM_NOT_FOUND: { status: 404, retryable: false },
  PROJECT_NOT_FOUND: { status: 404, retryable: false },
  USER_NOT_FOUND: { status: 404, retryable: false },
  USER_EXISTS: { status: 409, retryable: false },
  INVITATION_NOT_FOUND: { status: 404, retryable: false },
  TOKEN_NOT_FOUND: { status: 404, retryable: false },
  KEY_NOT_FOUND: { status: 404, retryable: false },
  KEY_IN_USE: { status: 409, retryable: false },
  APP_EXISTS: { status: 409, retryable: false },
  RELEASE_NOT_FOUND: { status: 404, retryable: false },
  DEPLOYMENT_NOT_FOUND: { status: 404, retryable: false },
  /** No running replica of the app (with that slot) to exec in. */
  REPLICA_NOT_FOUND: { status: 404, retryable: false },
  NO_RELEASE: { status: 409, retryable: false },
  SERVER_NOT_FOUND: { status: 404, retryable: false },
  SERVER_EXISTS: { status: 409, retryable: false },
  /** A join token that is unknown, used, expired or for another name: one answer for all. */
  JOIN_TOKEN_INVALID: { status: 401, retryable: false },
  /** `berth servers approve` of a server that no new key has claimed. */
  SERVER_NO_PENDING_KEY: { status: 409, retryable: false },
  NOTHING_TO_ROLL_BACK: { status: 409, retryable: false },
  IDEMPOTENCY_CONFLICT: { status: 422, retryable: false },
  // Runtime
  AGENT_UNAVAILABLE: { status: 503, retryable: true },
  AGENT_TIMEOUT: { status: 504, retryable: true },
  ENGINE_UNAVAILABLE: { status: 503, retryable: true },
  PROXY_UNAVAILABLE: { status: 503, retryable: true },
  /** `berth proxy history/rollback` of a server whose edge keeps no config versions (Caddy). */
  PROXY_NO_HISTORY: { status: 409, retryable: false },
  // Deployment outcomes (reported on the deployment, not as HTTP errors of the request)
  DEPLOY_IMAGE_NOT_FOUND: { status: 422, retryable: false },
  DEPLOY_IMAGE_PULL_FAILED: { status: 502, retryable: true },
  DEPLOY_START_FAILED: { status: 422, retryable: false },
  DEPLOY_CONTAINER_EXITED: { status: 422, retryable: false },
  DEPLOY_HEALTHCHECK_FAILED: { status: 422, retryable: false },
  DEPLOY_TIMEOUT: { status: 504, retryable: false },
  DEPLOY_SUPERSEDED: { status: 409, retryable: false },
  /** No server has room for the replicas, or none matches the constraints: refused before anything starts. */
  DEPLOY_UNPLACEABLE: { status: 422, retryable: false },
  // Builds from source
  BUILD_NOT_FOUND: { status: 404, retryable: false },
  BUILD_SOURCE_MISSING: { status: 409, retryable: false },
  BUILD_NOT_RUNNING: { status: 409, retryable: false },
  BUILD_DETECTION_FAILED: { status: 422, retryable: false },
  BUILD_MANIFEST_INVALID: { status: 422, retryable: false },
  BUILD_BASE_IMAGE_MISSING: { status: 422, retryable: false },
  BUILD_FAILED: { status: 422, retryable: false },
  BUILD_CANCELLED: { status: 409, retryable: false },
  BUILD_TIMEOUT: { status: 504, retryable: false },
  GIT_FAILED: { status: 422, retryable: false },
  WEBHOOK_SIGNATURE_INVALID: { status: 401, retryable: false },
  /** Builds need their sandbox (docs/security.md); they never fall back to running on the host. */
  BUILD_SANDBOX_UNAVAILABLE: { status: 503, retryable: false },
  /** A webhook's commit is no longer the tip of its branch when fetched: the push is ignored. */
  BUILD_COMMIT_NOT_TIP: { status: 409, retryable: false },
  // Images moved between servers through a registry
  /** The registry refused the credentials a push or pull used (a server's registry login is wrong). */
  REGISTRY_AUTH_FAILED: { status: 502, retryable: false },
  /** A push to the registry failed (unreachable, full, refused) or its result could not be confirmed. */
  REGISTRY_PUSH_FAILED: { status: 502, retryable: true },
  // Certificates from an ACME CA
  /** The CA refused or could not be asked to register the ACME account (its problem document in the message). */
  ACME_ACCOUNT_FAILED: { status: 502, retryable: true },
  /** An ACME order failed: a challenge the CA could not validate, a refused name, a rate limit (the CA's problem document in the message). */
  ACME_ORDER_FAILED: { status: 502, retryable: true },
  /** A DNS provider (RFC 2136 server, Cloudflare, an exec program) refused or failed to write a DNS-01 record. */
  DNS_PROVIDER_FAILED: { status: 502, retryable: true },
  /** A DNS-01 record was written but the zone's authoritative server did not show it in time. */
  DNS_RECORD_NOT_VISIBLE: { status: 504, retryable: true },
  // Backups (their stream format, targets and destinations)
  /** A backup object failed its checks: altered, truncated, reordered, for another backup or key. Never restored. */
  BACKUP_INTEGRITY_FAILED: { status: 422, retryable: false },
  /** The backup target could not be reached or failed (a timeout, a 5xx): trying again can help. */
  BACKUP_TARGET_FAILED: { status: 502, retryable: true },
  /** The backup target refused the request (credentials, signature, bucket, permissions): fix the target first. */
  BACKUP_TARGET_REFUSED: { status: 502, retryable: false },
  /** No object under that key on the backup target. */
  BACKUP_OBJECT_NOT_FOUND: { status: 404, retryable: false },
  /** zstd or gzip failed while (de)compressing a backup stream (its stderr in the message). */
  BACKUP_COMPRESSION_FAILED: { status: 500, retryable: true },
  BACKUP_TARGET_NOT_FOUND: { status: 404, retryable: false },
  BACKUP_TARGET_EXISTS: { status: 409, retryable: false },
  /** `backups targets remove` of a target that still holds backups Berth knows of. */
  BACKUP_TARGET_IN_USE: { status: 409, retryable: false },
  BACKUP_NOT_FOUND: { status: 404, retryable: false },
  /** `backups unschedule` of a source with no schedule on that target. */
  BACKUP_SCHEDULE_NOT_FOUND: { status: 404, retryable: false },
  /** A backup that was made but did not pass its verification (the reason in the message). */
  BACKUP_VERIFY_FAILED: { status: 422, retryable: true },
  /** The database's own dump tool (pg_dump, mariadb-dump, redis-cli --rdb) failed (its stderr in the message). */
  BACKUP_DUMP_FAILED: { status: 500, retryable: true },
  /** Loading a verified database dump into its new database failed (the tool's stderr in the message). */
  BACKUP_RESTORE_FAILED: { status: 500, retryable: false },
  // What a team may use
  IMAGE_NOT_ALLOWED: { status: 403, retryable: false },
  SOURCE_NOT_ALLOWED: { status: 403, retryable: false },
  /** An outbound URL (S3 endpoint, webhook) whose host is or resolves to a loopback, private, link-local or metadata address. */
  DESTINATION_NOT_ALLOWED: { status: 403, retryable: false },
  /** An outgoing URL's host name does not resolve (now). */
  DESTINATION_UNRESOLVABLE: { status: 422, retryable: true },
  // Custom domains
  /** The name is already claimed, by this app or another (of any team): one name, one app. */
  DOMAIN_TAKEN: { status: 409, retryable: false },
  /** A certificate was asked of ACME but Berth runs without it (`berth up` without --acme-email). */
  ACME_NOT_CONFIGURED: { status: 409, retryable: false },
  DOMAIN_NOT_FOUND: { status: 404, retryable: false },
  // Volumes
  VOLUME_NOT_FOUND: { status: 404, retryable: false },
  VOLUME_EXISTS: { status: 409, retryable: false },
  /** `volumes delete` of a volume an app still mounts. */
  VOLUME_IN_USE: { status: 409, retryable: false },
  // Notification webhooks
  NOTIFICATION_CHANNEL_NOT_FOUND: { status: 404, retryable: false },
  /** A webhook answered 5xx/408/429, timed out or could not be reached: the delivery is retried. */
  NOTIFICATION_NOT_DELIVERED: { status: 502, retryable: true },
  // Cron jobs
  CRON_JOB_NOT_FOUND: { status: 404, retryable: false },
  CRON_JOB_EXISTS: { status: 409, retryable: false },
  // Managed databases
  DATABASE_NOT_FOUND: { status: 404, retryable: false },
  DATABASE_EXISTS: { status: 409, retryable: false },
  /** `db create --public-port` of a port another database of the server publishes. */
  DATABASE_PORT_TAKEN: { status: 409, retryable: false },
  /** `db delete` of a database apps are linked to. */
  DATABASE_IN_USE: { status: 409, retryable: false },
  DATABASE_LINK_NOT_FOUND: { status: 404, retryable: false },
  /** A change through the app routes of the workload that runs a database: `berth db …` owns it. */
  DATABASE_WORKLOAD: { status: 409, retryable: false },
  /** `db link` of an app whose volume or other database is on another server than this database. */
  DATABASE_ON_ANOTHER_SERVER: { status: 409, retryable: false },
  // Anything else
  INTERNAL: { status: 500, retryable: true },
} as const satisfies Record<string, { status: number; retryable: boolean }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export const isErrorCode = (v: unknown): v is ErrorCode =>
  typeof v === 'string' && Object.hasOwn(ERROR_CODES, v);

export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `health.path` or `env.FOO`. */
  path: string;
  message: string;
}

export interface BerthErrorOptions {
  /** The next thing a person can do about it, e.g. a command to run. */
  hint?: string;
  /** Field-level problems for validation errors. */
  issues?: FieldIssue[];
  /** Extra lines of context, such as a failed container's last log lines. */
  logs?: string[];
  cause?: unknown;
}

export class BerthError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly issues: FieldIssue[];
  readonly logs: string[];

  constructor(code: ErrorCode, message: string, options: BerthErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BerthError';
    this.code = code;
    this.hint = options.hint;
    this.issues = options.issues ?? [];
    this.logs = options.logs ?? [];
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  get retryable(): boolean {
    return ERROR_CODES[this.code].retryable;
  }
}

export const isBerthError = (e: unknown): e is BerthError => e instanceof BerthError;

export const problemType = (code: ErrorCode): string => `https://berth.dev/problems/${code.toLowerCase()}`;
