import type { Role } from '@berth/protocol';

/**
 * Who may do what, in one table. Roles are per team; a principal acts in a team with the role it
 * holds there. Installation-wide actions (master keys, teams, the whole audit chain) belong to
 * the owners of the default team, who installed Berth.
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
  roles: Roles;
  /** Set when the principal came through a browser cookie: changes then need the CSRF header. */
  sessionId: string | null;
  viaCookie: boolean;
}

export const roleIn = (p: Principal, teamId: string): Role | null => p.roles.get(teamId) ?? null;

/** Teams in which the principal holds the permission. */
export const teamsWith = (p: Principal, permission: Permission): string[] =>
  [...p.roles].filter(([, role]) => can(role, permission)).map(([teamId]) => teamId);

export const isInstallationOwner = (p: Principal, defaultTeamId: string): boolean =>
  roleIn(p, defaultTeamId) === 'owner';
