import type { Res } from './http.js';
import type { Actor, World } from './rbac-world.js';
import { ACCOUNT_SCENARIOS } from './rbac-scenarios-accounts.js';
import { APP_SCENARIOS } from './rbac-scenarios-apps.js';
import { AUDIT_SCENARIOS } from './rbac-scenarios-audit.js';
import { BUILD_SCENARIOS } from './rbac-scenarios-builds.js';
import { DOMAIN_SCENARIOS } from './rbac-scenarios-domains.js';
import { SERVER_SCENARIOS } from './rbac-scenarios-servers.js';
import { TEAM_SCENARIOS } from './rbac-scenarios-teams.js';
import { VOLUME_SCENARIOS } from './rbac-scenarios-volumes.js';
import { DATABASE_SCENARIOS } from './rbac-scenarios-databases.js';
import { NOTIFICATION_SCENARIOS } from './rbac-scenarios-notifications.js';
import { CRON_SCENARIOS } from './rbac-scenarios-cron.js';
import { BACKUP_SCENARIOS } from './rbac-scenarios-backups.js';

/**
 * For each operation: the request a cell of the RBAC matrix sends on team A's target (made
 * fresh for each cell when the call destroys it), the same on team B's target, and the same
 * naming something that does not exist (B's answer must not differ from it). Setup is done by
 * the bootstrap owner token of A, so a refused actor meets exactly the state an allowed one would.
 */

export interface Call {
  params?: Record<string, string>;
  query?: string;
  body?: unknown;
  /** Bytes sent as they are, typed by `headers`. */
  raw?: Buffer;
  headers?: Record<string, string>;
  /** Instead of the actor's token (null: none). */
  token?: string | null;
}

export interface Cell {
  /** Unique per cell, for fresh names. */
  n: number;
  actor: Actor;
}

export interface OtherCall {
  call: Call;
  /** The same request naming nothing that exists. */
  ghost: Call;
  /** What `call` names of team B, and what `ghost` names instead. */
  swap: [string, string];
}

export interface Scenario {
  own(w: World, cell: Cell): Promise<Call> | Call;
  /** Absent: no target in a team. `same`: a list, asked the same way. */
  other?: 'same' | ((w: World) => OtherCall);
  /**
   * A fresh target in B for a cell allowed there (an installation owner), when the call uses up
   * or clashes with its target (a delete, a create of a name); `other` serves the refused cells.
   */
  otherFresh?(w: World, cell: Cell): Promise<Call> | Call;
  /** What an allowed call's answer must show beyond its status. */
  check?(res: Res, w: World, cell: Cell): Promise<void> | void;
}

/** Every operation's scenario, an area per file (rbac-scenarios-*.ts). */
export const SCENARIOS: Record<string, Scenario> = {
  health: { own: () => ({}) },
  ...ACCOUNT_SCENARIOS,
  ...SERVER_SCENARIOS,
  ...APP_SCENARIOS,
  ...AUDIT_SCENARIOS,
  ...TEAM_SCENARIOS,
  ...BUILD_SCENARIOS,
  ...DOMAIN_SCENARIOS,
  ...VOLUME_SCENARIOS,
  ...DATABASE_SCENARIOS,
  ...NOTIFICATION_SCENARIOS,
  ...CRON_SCENARIOS,
  ...BACKUP_SCENARIOS,
};
