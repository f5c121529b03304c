import type { Role } from './types.js';

/** Who can act: teams and projects, users with memberships, sessions and one-time tokens. */

export interface TeamRow {
  id: string;
  name: string;
  createdAt: number;
}

/** What a team may use and how its builds run (see 0005_team_settings). */
export interface TeamSettingsRow {
  teamId: string;
  allowLocalImages: boolean;
  buildNetwork: 'egress' | 'none';
}

export interface ProjectRow {
  id: string;
  teamId: string;
  name: string;
  createdAt: number;
}

export interface UserRow {
  id: string;
  /** Lowercased; unique. */
  email: string;
  /** argon2id PHC string; null until the user has set a password (setup link pending). */
  passwordHash: string | null;
  createdAt: number;
  updatedAt: number;
  disabledAt: number | null;
}

export interface MembershipRow {
  userId: string;
  teamId: string;
  role: Role;
  createdAt: number;
}

export type SessionKind = 'cli' | 'browser';

export interface SessionRow {
  id: string;
  /** sha256 of the session token, hex. */
  tokenHash: string;
  userId: string;
  kind: SessionKind;
  createdAt: number;
  expiresAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** Single-use tokens an admin hands a user: to set a first password, or to reset one. */
export type OneTimePurpose = 'setup' | 'reset';

export interface OneTimeTokenRow {
  id: string;
  tokenHash: string;
  userId: string;
  purpose: OneTimePurpose;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
}

export interface TeamRepo {
  /** Throws BerthError VALIDATION_FAILED (path `name`) when the name is taken. */
  create(row: TeamRow): Promise<void>;
  get(id: string): Promise<TeamRow | null>;
  getByName(name: string): Promise<TeamRow | null>;
  list(): Promise<TeamRow[]>;
}

export interface TeamSettingsRepo {
  /** The team's settings; the defaults (no local images, egress) when none were ever set. */
  get(teamId: string): Promise<TeamSettingsRow>;
  /** Changes the given settings, keeping the others. */
  update(
    teamId: string,
    patch: Partial<Omit<TeamSettingsRow, 'teamId'>>,
    now: number,
  ): Promise<TeamSettingsRow>;
}

export interface ProjectRepo {
  /** Throws BerthError VALIDATION_FAILED (path `name`) when the team already has a project of that name. */
  create(row: ProjectRow): Promise<void>;
  get(id: string): Promise<ProjectRow | null>;
  getByName(teamId: string, name: string): Promise<ProjectRow | null>;
  /** All projects, or those of the given teams. */
  list(teamIds?: readonly string[]): Promise<ProjectRow[]>;
}

export interface UserRepo {
  /** Throws BerthError VALIDATION_FAILED (path `email`) when the email is taken. */
  create(row: UserRow): Promise<void>;
  get(id: string): Promise<UserRow | null>;
  /** Case-insensitive. */
  getByEmail(email: string): Promise<UserRow | null>;
  list(): Promise<UserRow[]>;
  setPassword(id: string, passwordHash: string, now: number): Promise<void>;
}

export interface MembershipRepo {
  /** Adds the user to the team, or changes their role there. */
  put(row: MembershipRow): Promise<void>;
  remove(userId: string, teamId: string): Promise<boolean>;
  listForUser(userId: string): Promise<MembershipRow[]>;
  listForTeam(teamId: string): Promise<MembershipRow[]>;
}

export interface SessionRepo {
  create(row: SessionRow): Promise<void>;
  findByHash(tokenHash: string): Promise<SessionRow | null>;
  touch(id: string, at: number): Promise<void>;
  revoke(id: string, at: number): Promise<void>;
  /** Ends every session of the user (after a password reset). */
  revokeAllForUser(userId: string, at: number): Promise<void>;
}

export interface OneTimeTokenRepo {
  create(row: OneTimeTokenRow): Promise<void>;
  findByHash(tokenHash: string): Promise<OneTimeTokenRow | null>;
  /**
   * Marks it used if it is unused and unexpired at `now`, atomically (one UPDATE with those
   * conditions): true for exactly one caller, however many race.
   */
  consume(id: string, now: number): Promise<boolean>;
}

/** Failed logins, counted per account and per address to throttle guessing. */
export interface LoginFailureRepo {
  record(key: string, at: number): Promise<void>;
  countSince(key: string, since: number): Promise<number>;
  /** The oldest failure of the key at or after `since` (when the window will let it try again). */
  oldestSince(key: string, since: number): Promise<number | null>;
  clear(key: string): Promise<void>;
  /** Drops failures older than `before`, so the table stays small. */
  prune(before: number): Promise<void>;
}

/**
 * An invitation of an email into a team with a role. A membership starts as one: the account
 * with that email accepts it while logged in as itself (or, for an account the invitation
 * created, by first setting its password or logging in). One per team and email.
 */
export interface InvitationRow {
  id: string;
  teamId: string;
  /** Lowercased. */
  email: string;
  role: Role;
  /** The request that invited also created the account. */
  createdAccount: boolean;
  /** Who invited, as the audit log names actors (an email or a token's name). */
  invitedBy: string | null;
  createdAt: number;
  expiresAt: number;
}

export interface InvitationRepo {
  /**
   * Invites, or renews the team's invitation of that email (new role, inviter and expiry). A
   * renewal keeps `createdAccount` when it was set: the account is still the one it created.
   */
  put(row: InvitationRow): Promise<InvitationRow>;
  /** The team's invitation of the email, if unexpired at `now`. */
  get(teamId: string, email: string, now: number): Promise<InvitationRow | null>;
  /** Unexpired invitations of an email, oldest first. */
  listForEmail(email: string, now: number): Promise<InvitationRow[]>;
  /** Unexpired invitations into a team, oldest first. */
  listForTeam(teamId: string, now: number): Promise<InvitationRow[]>;
  /** Removes it (accepted or declined); false when there was none. */
  remove(teamId: string, email: string): Promise<boolean>;
  /**
   * Withdraws it: it expires now, and is kept, so inviting the email again renews it with
   * `createdAccount` as it was (the account it made is still its own). False when none was pending.
   */
  withdraw(teamId: string, email: string, now: number): Promise<boolean>;
}
