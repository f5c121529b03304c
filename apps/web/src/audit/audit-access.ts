import { can } from '../access/roles.js';
import type { Me } from '../api/paths.js';

/**
 * Who reads what of the audit log (berthd decides; the page only leaves out what it would
 * refuse): an installation owner every row, a team's owners and admins their teams' rows.
 */
export const readsAudit = (me: Pick<Me, 'memberships' | 'installationOwner'>): boolean =>
  me.installationOwner || me.memberships.some((m) => can(m.role, 'audit:read'));

/**
 * Only an installation owner verifies the chain and downloads the signed export: the chain runs
 * through every team's rows, and a team admin sees only its own.
 */
export const verifiesChain = (me: Pick<Me, 'installationOwner'>): boolean => me.installationOwner;
