import { can, grantableRoles, mayGrant } from '../access/roles.js';
import type { Role } from '../api/paths.js';

/**
 * What the user may do to one member of the team, as berthd would allow it: only who manages
 * the team, only to a member whose role is no higher than its own, and never above its own. A
 * user's own row has no controls: stepping down or leaving is done with the CLI, on purpose.
 */
export function memberControls(
  myRole: Role | null,
  myName: string,
  member: { email: string; role: Role },
): { roles: Role[]; remove: boolean } {
  const self = member.email.toLowerCase() === myName.toLowerCase();
  if (self || !can(myRole, 'team:manage') || !mayGrant(myRole, member.role))
    return { roles: [], remove: false };
  return { roles: grantableRoles(myRole), remove: true };
}

/** Whether the user may withdraw a pending invitation of that role (berthd: like removing a member). */
export const mayWithdraw = (myRole: Role | null, invited: Role): boolean =>
  can(myRole, 'team:manage') && mayGrant(myRole, invited);

/** berthd's email pattern (packages/protocol EMAIL_PATTERN): checked there too. */
const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

export const isEmail = (value: string): boolean => value.length <= 254 && EMAIL.test(value);

/**
 * The link an invited person opens: the one-time token rides in the fragment, which the browser
 * never sends (no server log, no Referer holds it), and the page takes it out of the address
 * bar before anything renders (main.tsx).
 */
export const inviteLink = (origin: string, token: string): string =>
  `${origin}/invite#${encodeURIComponent(token)}`;
