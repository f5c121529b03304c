import { z } from 'zod';
import {
  AppName,
  Email,
  Env,
  EnvKey,
  Id,
  KeyId,
  Password,
  ProjectName,
  Role,
  TeamName,
  TokenName,
} from './names.js';
import { Deployment } from './api-deployments.js';
import { SecretFilePath } from './runtime.js';

/** Identity, tenancy, tokens, secrets, keys and audit: request and response shapes. */

const Timestamp = z.string().describe('RFC 3339 timestamp');

// --- sessions --------------------------------------------------------------------------------

export const SessionCreate = z
  .object({
    email: Email,
    /** Not checked against the password rules: a login only compares. */
    password: z.string().min(1).max(1024),
    /** `browser` sets an HttpOnly session cookie and returns a CSRF token instead of a bearer token. */
    mode: z.enum(['cli', 'browser']).optional(),
  })
  .strict();
export type SessionCreate = z.infer<typeof SessionCreate>;

export const Membership = z.object({ team: TeamName, role: Role });
export type Membership = z.infer<typeof Membership>;

export const User = z.object({
  id: Id,
  email: z.string(),
  hasPassword: z.boolean(),
  memberships: z.array(Membership),
  createdAt: Timestamp,
});
export type User = z.infer<typeof User>;

export const SessionCreated = z.object({
  /** The bearer token (cli mode) or null (browser mode: it is in the cookie). */
  token: z.string().nullable(),
  /** Browser mode: send it as X-CSRF-Token with every change. */
  csrfToken: z.string().nullable(),
  expiresAt: Timestamp,
  user: User,
});

export const Whoami = z.object({
  kind: z.enum(['user', 'token']),
  name: z.string(),
  /** The roles it holds (a user's teams, a token's one team). */
  memberships: z.array(Membership),
  /** An owner of the default team: it manages every team, as their owner. */
  installationOwner: z.boolean(),
  /** A browser session's CSRF token (send it as X-CSRF-Token with every change); null for a bearer token. */
  csrfToken: z.string().nullable(),
});
export type Whoami = z.infer<typeof Whoami>;

export const PasswordSet = z.object({ token: z.string().min(1).max(200), password: Password }).strict();
export type PasswordSet = z.infer<typeof PasswordSet>;

/** The first owner, named with the setup link `berth up` prints while the installation has none. */
export const FirstOwnerSetup = z
  .object({ token: z.string().min(1).max(200), email: Email, password: Password })
  .strict();
export type FirstOwnerSetup = z.infer<typeof FirstOwnerSetup>;

export const SetupStatus = z.object({
  /** Whether a setup link is open: no owner account yet, and the link unused and unexpired. */
  open: z.boolean(),
});
export type SetupStatus = z.infer<typeof SetupStatus>;

// --- users -------------------------------------------------------------------------------------

export const UserCreate = z
  .object({
    email: Email,
    role: Role,
    team: TeamName.optional(),
    /** Set now; without it the answer carries a one-time setup token for the user. */
    password: Password.optional(),
  })
  .strict();
export type UserCreate = z.infer<typeof UserCreate>;

export const OneTimeToken = z.object({
  token: z.string(),
  purpose: z.enum(['setup', 'reset']),
  expiresAt: Timestamp,
});
export type OneTimeToken = z.infer<typeof OneTimeToken>;

/**
 * A pending invitation of an email into a team. It says nothing of the account behind the
 * email (whether there is one, or where else it is): it reads the same for any email.
 */
export const Invitation = z.object({
  team: TeamName,
  email: z.string(),
  role: Role,
  /** Who invited: an email, or an API token's name. */
  invitedBy: z.string().nullable(),
  createdAt: Timestamp,
  expiresAt: Timestamp,
});
export type Invitation = z.infer<typeof Invitation>;
export const InvitationList = z.object({ invitations: z.array(Invitation) });
export const InvitationParams = z.object({ team: TeamName }).strict();

/**
 * Every new membership is an invitation the account accepts; an account this request created
 * accepts it by setting its password (with `setup`) or by logging in the first time.
 */
export const UserCreated = z.object({ invitation: Invitation, setup: OneTimeToken.nullable() });
export const UserList = z.object({ users: z.array(User) });
export const UserParams = z.object({ user: Email }).strict();
export const MembershipParams = z.object({ user: Email, team: TeamName }).strict();
export const MembershipPut = z.object({ role: Role }).strict();

// --- tokens ------------------------------------------------------------------------------------

export const TokenCreate = z
  .object({
    name: TokenName,
    role: Role,
    team: TeamName.optional(),
    /** Lifetime in days; none means it does not expire. */
    expiresInDays: z.number().int().min(1).max(3650).optional(),
  })
  .strict();
export type TokenCreate = z.infer<typeof TokenCreate>;

export const ApiToken = z.object({
  id: Id,
  name: z.string(),
  role: Role,
  team: TeamName,
  createdAt: Timestamp,
  lastUsedAt: Timestamp.nullable(),
  expiresAt: Timestamp.nullable(),
  revokedAt: Timestamp.nullable(),
});
export type ApiToken = z.infer<typeof ApiToken>;

export const TokenCreated = ApiToken.extend({ token: z.string() });
export const TokenList = z.object({ tokens: z.array(ApiToken) });
export const TokenParams = z.object({ name: TokenName }).strict();
export const TeamQuery = z.object({ team: TeamName.optional() }).strict();

// --- teams and projects ------------------------------------------------------------------------

export const TeamCreate = z.object({ name: TeamName }).strict();

/** Whether a team's build steps may reach the network (package registries), or none at all. */
export const BuildNetwork = z.enum(['egress', 'none']);
export type BuildNetwork = z.infer<typeof BuildNetwork>;

/**
 * What a team may use and how its builds run: its owners and admins (and installation owners)
 * set the build network; only installation owners allow local images.
 */
export const TeamSettings = z.object({
  /** Images of the host's engine (`localhost/…`) may be deployed by this team (installation owners decide). */
  allowLocalImages: z.boolean(),
  buildNetwork: BuildNetwork,
});
export type TeamSettings = z.infer<typeof TeamSettings>;

export const TeamSettingsPatch = z.object({ buildNetwork: BuildNetwork }).strict();
export type TeamSettingsPatch = z.infer<typeof TeamSettingsPatch>;

/** Whether a team may deploy the host's own images (installation owners decide). */
export const LocalImagesRequest = z.object({ allowed: z.boolean() }).strict();

export const Team = z.object({
  id: Id,
  name: TeamName,
  role: Role.nullable(),
  createdAt: Timestamp,
  settings: TeamSettings,
});
export type Team = z.infer<typeof Team>;
export const TeamList = z.object({ teams: z.array(Team) });
export const TeamParams = z.object({ team: TeamName }).strict();

export const ProjectCreate = z.object({ name: ProjectName, team: TeamName.optional() }).strict();
export const Project = z.object({ id: Id, name: ProjectName, team: TeamName, createdAt: Timestamp });
export type Project = z.infer<typeof Project>;
export const ProjectList = z.object({ projects: z.array(Project) });

// --- secrets -----------------------------------------------------------------------------------

/**
 * `files` names, for keys being set, the path their value is mounted at as a read-only file
 * instead of an environment variable (kept out of the container's env and `podman inspect`).
 * A key set without a path is an environment variable, even if it was a file before.
 */
export const SecretsPatch = z
  .object({
    set: Env.optional(),
    unset: z.array(EnvKey).max(256).optional(),
    files: z.record(EnvKey, SecretFilePath).optional(),
  })
  .strict()
  .refine((p) => Object.keys(p.set ?? {}).length + (p.unset ?? []).length > 0, {
    message: 'set or unset at least one secret',
  })
  .refine((p) => Object.keys(p.files ?? {}).every((k) => Object.hasOwn(p.set ?? {}, k)), {
    message: 'every key in files must also be in set',
    path: ['files'],
  })
  .refine((p) => new Set(Object.values(p.files ?? {})).size === Object.keys(p.files ?? {}).length, {
    message: 'two secrets cannot be mounted at the same path',
    path: ['files'],
  });
export type SecretsPatch = z.infer<typeof SecretsPatch>;

/** A secret as anyone sees it: its name, where it is mounted if it is a file, when it changed. Values never leave berthd. */
export const SecretInfo = z.object({ key: EnvKey, file: SecretFilePath.nullable(), updatedAt: Timestamp });
export const SecretList = z.object({ app: AppName, secrets: z.array(SecretInfo) });

/** What a change of secrets answers: the names now, and the deployment rolling them out (null: the app was never deployed). */
export const SecretChange = z.object({
  secrets: SecretList.shape.secrets,
  deployment: Deployment.nullable(),
});
export type SecretChange = z.infer<typeof SecretChange>;

// --- keys --------------------------------------------------------------------------------------

export const MasterKey = z.object({
  id: KeyId,
  current: z.boolean(),
  /** How many sealed values still use it. */
  inUse: z.number().int(),
  createdAt: Timestamp.nullable(),
});
export const KeyList = z.object({ keys: z.array(MasterKey), fromEnvironment: z.boolean() });
export const KeyRotated = z.object({ current: KeyId, previous: KeyId, resealed: z.number().int() });
export const KeyParams = z.object({ id: KeyId }).strict();

// --- audit -------------------------------------------------------------------------------------

export const AuditRow = z.object({
  seq: z.number().int(),
  at: z.number().int().describe('epoch milliseconds, as hashed'),
  actorKind: z.enum(['user', 'token', 'agent', 'system', 'anonymous']),
  actorId: z.string().nullable(),
  actorName: z.string().nullable(),
  teamId: z.string().nullable(),
  requestId: z.string().nullable(),
  action: z.string(),
  target: z.string().nullable(),
  outcome: z.enum(['ok', 'denied', 'failed']),
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditRow = z.infer<typeof AuditRow>;
export const AuditList = z.object({ rows: z.array(AuditRow) });
/** An action (`user.grant`), or every action of a kind (`user.*`). */
const AUDIT_ACTION_FILTER = /^[a-z][a-z0-9-]*(?:\.[a-z][a-z0-9-]*)*(?:\.\*)?$/;
export const AuditQuery = z
  .object({
    after: z.coerce.number().int().min(0).optional().describe('only rows with a larger seq'),
    before: z.coerce.number().int().min(1).optional().describe('only rows with a smaller seq'),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
    order: z.enum(['asc', 'desc']).optional().describe('asc (the default): oldest first; desc: newest first'),
    actor: z
      .string()
      .min(1)
      .max(254)
      .optional()
      .describe("only rows of this actor: its name (an email, an API token's name) or id, exactly"),
    action: z
      .string()
      .max(64)
      .regex(AUDIT_ACTION_FILTER, { message: 'must be an action like user.grant, or a kind like user.*' })
      .optional()
      .describe('only rows of this action (`user.grant`), or of every action of a kind (`user.*`)'),
    target: z
      .string()
      .min(1)
      .max(300)
      .optional()
      .describe('only rows about this target, exactly (`app:web`, `user:ada@example.com`)'),
    outcome: z.enum(['ok', 'denied', 'failed']).optional(),
    since: z.iso.datetime({ offset: true }).optional().describe('only rows at or after this time'),
    until: z.iso.datetime({ offset: true }).optional().describe('only rows before this time'),
  })
  .strict();
export type AuditQuery = z.infer<typeof AuditQuery>;

/** A signed anchor of the chain: the head (kept beside the master key) or a checkpoint. */
export const AuditAnchorLine = z.object({
  type: z.enum(['head', 'checkpoint']),
  seq: z.number().int().describe('the row it anchors (0: the empty log)'),
  hash: z.string(),
  at: z.number().int().describe('epoch milliseconds, as signed'),
  keyId: KeyId.describe('the master key whose derived Ed25519 key signed it'),
  signature: z.string().describe('Ed25519, base64'),
});
export type AuditAnchorLine = z.infer<typeof AuditAnchorLine>;
/** A public key that verifies anchors, derived from one master key. */
export const AuditKeyLine = z.object({
  type: z.literal('key'),
  keyId: KeyId,
  publicKey: z.string().describe('Ed25519, SPKI DER, base64'),
});
export type AuditKeyLine = z.infer<typeof AuditKeyLine>;
/** One line of `GET /audit/export`: keys, then the head and the checkpoints, then every row. */
export const AuditExportLine = z.union([AuditKeyLine, AuditAnchorLine, AuditRow]);
export type AuditExportLine = z.infer<typeof AuditExportLine>;

export const AuditVerification = z.object({
  ok: z.boolean(),
  /** Rows that verify before the first fault (every row when ok). */
  checked: z.number().int(),
  /** The first row at fault, when one is. */
  seq: z.number().int().nullable(),
  reason: z.string().nullable(),
  /** The newest row's hash, when ok. */
  head: z.string().nullable(),
  /** The row the signed head records, when ok. */
  anchoredSeq: z.number().int().nullable(),
  checkpoints: z.number().int(),
  notes: z.array(z.string()),
  /** What signs the anchors now: compare it with an exported copy's key. */
  signingKey: AuditKeyLine.omit({ type: true }),
});
export type AuditVerification = z.infer<typeof AuditVerification>;
