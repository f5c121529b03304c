import { pickTeam, teamsOf } from '../access/roles.js';
import type { Route } from '../routing/routes.js';
import type { Me } from './paths.js';

/** What the page has already read that tells which team it shows (nothing is read for it). */
export interface Shown {
  /** The apps list, when a page read it (an installation owner's teams come from it). */
  apps: readonly { team: string }[];
  /** The team of the app the page shows, once read. */
  appTeam: string | null;
}

/**
 * The team whose event stream the page follows: the one it shows, chosen as the page chooses it
 * (OverviewPage, TeamPage: the address's team, else the first), an app page's app's team, and
 * for the other pages the first team. null: none (yet), so no stream.
 */
export function liveTeamOf(
  route: Route,
  me: Pick<Me, 'memberships' | 'installationOwner'>,
  shown: Shown,
): string | null {
  switch (route.kind) {
    case 'overview':
    case 'team':
      return pickTeam(teamsOf(me, shown.apps), route.team);
    case 'app':
      return shown.appTeam;
    case 'audit':
      return pickTeam(teamsOf(me, shown.apps), null);
    case 'login':
    case 'setup':
    case 'invite':
    case 'not-found':
      return null;
  }
}
