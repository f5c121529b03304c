import type { Role } from '@berth/protocol';

/**
 * Who may do what, in one table. Roles are per team; a principal acts in a team with the role it
 * holds there. The owners of the default team (who installed Berth; the admin token is one) own
 * the installation: master keys, teams, the whole audit chain, and every team as its owner — so
 * a team they create is never orphaned, and no route needs a special case for them.
 */

export type Permission =
  | 'app:read'
  | 'app:write'
  | 'app:deploy'
  | 'app:logs'
  | 'secret:write'
  | 'team:read'
  | 'team:manage'
  | 'audit:read';

const VIEWER: readonly Permission[] = ['app:read', 'team:read'];
const OPERATOR: readonly Permission[] = [...VIEWER, 'app:deploy', 'app:logs', 'secret:write'];
const ADMIN: readonly Permission[] = [...OPERATOR, 'app:write', 'team:manage', 'audit:read'];

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  owner: ADMIN,
  admin: ADMIN,
  operator: OPERATOR,
  viewer: VIEWER,
};

export const can = (role: Role, permission: Permission): boolean =>
  ROLE_PERMISSIONS[role].includes(permission);

const RANK: Readonly<Record<Role, number>> = { viewer: 0, operator: 1, admin: 2, owner: 3 };

/** No one hands out more than they hold: an admin cannot mint an owner. */
export const mayGrant = (granter: Role, granted: Role): boolean => RANK[granter] >= RANK[granted];

/** A principal's roles by team id. */
export type Roles = ReadonlyMap<string, Role>;

export interface Principal {
  kind: 'user' | 'token';
  id: string;
  /** An email for users, a token's name for tokens. */
  name: string;
  /**
   * The role it acts with in each team: what it holds there, and `owner` in every team for an
   * installation owner. Every check reads this (through roleIn and teamsWith).
   */
  roles: Roles;
  /** What it holds: a user's memberships, or a token's one team. What it is shown as. */
  memberships: Roles;
  /** An owner of the default team. */
  installationOwner: boolean;
  /** Set when the principal came through a browser cookie: changes then need the CSRF header. */
  sessionId: string | null;
  viaCookie: boolean;
}

/** The role it acts with in the team (an installation owner's is `owner` in any team). */
export const roleIn = (p: Principal, teamId: string): Role | null =>
  p.installationOwner ? 'owner' : (p.roles.get(teamId) ?? null);

/** Teams in which the principal holds the permission. */
export const teamsWith = (p: Principal, permission: Permission): string[] =>
  [...p.roles].filter(([, role]) => can(role, permission)).map(([teamId]) => teamId);

/** The teams whose memberships (and pending invitations) a principal may see: those it manages. */
export const teamsManagedBy = (p: Principal): ReadonlySet<string> => new Set(teamsWith(p, 'team:manage'));

export const isInstallationOwner = (p: Principal, defaultTeamId: string): boolean =>
  p.installationOwner || p.memberships.get(defaultTeamId) === 'owner';

/**
 * The roles a principal acts with, from those it holds: an owner of the default team is an
 * owner of every team (`teamIds`: all teams there are).
 */
export function toEffectiveRoles(
  held: Roles,
  defaultTeamId: string,
  teamIds: readonly string[],
): { roles: Roles; installationOwner: boolean } {
  const installationOwner = held.get(defaultTeamId) === 'owner';
  if (!installationOwner) return { roles: held, installationOwner };
  return { roles: new Map(teamIds.map((id) => [id, 'owner' as const])), installationOwner };
}

/**
 * Whether p may issue a password reset for an account with these memberships. A reset is a
 * takeover of the whole account, so a team's say over it ends where the account's other teams
 * begin: p must manage a team the account is in (else the account is `hidden`, as if it did not
 * exist), hold at least the account's role there, and, when the account is in more than one
 * team, be an owner of every one of them. Installation owners are owners of every team, and may
 * reset an account that is in no team.
 */
export function resetRight(
  p: Principal,
  memberships: readonly { teamId: string; role: Role }[],
): 'allowed' | 'forbidden' | 'hidden' {
  if (p.installationOwner) return 'allowed';
  const held = memberships.map((m) => ({ ...m, mine: roleIn(p, m.teamId) }));
  if (!held.some((m) => m.mine !== null && can(m.mine, 'team:manage'))) return 'hidden';
  const [only] = held;
  if (held.length === 1 && only?.mine) return mayGrant(only.mine, only.role) ? 'allowed' : 'forbidden';
  return held.every((m) => m.mine === 'owner') ? 'allowed' : 'forbidden';
}
