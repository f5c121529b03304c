import type { Me, Role } from '../api/paths.js';

/**
 * What each role may do in its team: the same table as berthd's (apps/server/src/access/
 * policy.ts), which decides. The dashboard only uses it to hide what would be refused.
 */
export type Action =
  | 'app:read'
  | 'app:write'
  | 'app:deploy'
  | 'app:logs'
  | 'secret:write'
  | 'team:read'
  | 'team:manage'
  | 'audit:read';

const VIEWER: readonly Action[] = ['app:read', 'team:read'];
const OPERATOR: readonly Action[] = [...VIEWER, 'app:deploy', 'app:logs', 'secret:write'];
const ADMIN: readonly Action[] = [...OPERATOR, 'app:write', 'team:manage', 'audit:read'];

const ROLE_ACTIONS: Readonly<Record<Role, readonly Action[]>> = {
  owner: ADMIN,
  admin: ADMIN,
  operator: OPERATOR,
  viewer: VIEWER,
};

/** Whether the role may do the action; no role (not a member) may do nothing. */
export const can = (role: Role | null, action: Action): boolean =>
  role !== null && ROLE_ACTIONS[role].includes(action);

/** The roles from least to most: no one hands out more than they hold (berthd's mayGrant). */
const RANKED: readonly Role[] = ['viewer', 'operator', 'admin', 'owner'];

/** Whether a token or membership with the `granted` role may be made (or revoked) by `granter`. */
export const mayGrant = (granter: Role | null, granted: Role): boolean =>
  granter !== null && RANKED.indexOf(granter) >= RANKED.indexOf(granted);

/** The roles the user may hand out in a team where it is `role`, least first; none unless it manages the team. */
export const grantableRoles = (role: Role | null): Role[] =>
  can(role, 'team:manage') ? RANKED.filter((r) => mayGrant(role, r)) : [];

/** The role the user acts with in a team: an installation owner is the owner of every team. */
export function roleIn(me: Pick<Me, 'memberships' | 'installationOwner'>, team: string): Role | null {
  if (me.installationOwner) return 'owner';
  return me.memberships.find((m) => m.team === team)?.role ?? null;
}

/**
 * The teams to switch between: the user's own, and for an installation owner also every team
 * whose apps it sees. Sorted, without repeats.
 */
export function teamsOf(
  me: Pick<Me, 'memberships' | 'installationOwner'>,
  apps: readonly { team: string }[],
): string[] {
  const teams = new Set(me.memberships.map((m) => m.team));
  if (me.installationOwner) for (const app of apps) teams.add(app.team);
  return [...teams].sort();
}

/** The team a page shows: the one asked for when it is one of `teams`, else the first. */
export const pickTeam = (teams: readonly string[], wanted: string | null): string | null =>
  wanted !== null && teams.includes(wanted) ? wanted : (teams[0] ?? null);
