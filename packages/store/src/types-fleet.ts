/** Joining the fleet: one-time tokens that let a new server's agent register its key. */

export interface JoinTokenRow {
  id: string;
  /** The name the server gets when it joins; a server of that name may not exist then. */
  serverName: string;
  labels: Record<string, string>;
  /** sha256 (hex) of the token's secret part; the token itself is never stored. */
  tokenHash: string;
  /** The principal that made it (its audit actor id), if any. */
  createdBy: string | null;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
  /** The server that joined with it. */
  serverId: string | null;
}

export interface JoinTokenRepo {
  create(row: Omit<JoinTokenRow, 'usedAt' | 'serverId'>): Promise<void>;
  findByHash(tokenHash: string): Promise<JoinTokenRow | null>;
  /** Tokens neither used nor expired at `now`, oldest first. */
  listPending(now: number): Promise<JoinTokenRow[]>;
  /** The pending token for that server name at `now`, if any. */
  findPendingByName(serverName: string, now: number): Promise<JoinTokenRow | null>;
  /**
   * Marks the token used by `serverId` if, at `now`, it is unused and unexpired: true for
   * exactly one of any number of racing callers.
   */
  consume(tokenHash: string, now: number, serverId: string): Promise<boolean>;
  /** Deletes every pending token for the name; how many there were. */
  revokePending(serverName: string, now: number): Promise<number>;
  /** Drops tokens that expired before `before` unused, so the table stays small. */
  pruneExpired(before: number): Promise<void>;
}

/**
 * A rollout still reaching the servers one at a time (see berthd's agents/staging.ts): the
 * revision goes to `serverIds` in order, the first `reached` of them have been sent it.
 */
export interface RolloutStageRow {
  appId: string;
  revision: string;
  serverIds: string[];
  reached: number;
}

export interface RolloutStageRepo {
  list(): Promise<RolloutStageRow[]>;
  /** Starts the app's stage; a stage of an earlier rollout of the app is replaced. */
  put(row: RolloutStageRow): Promise<void>;
  /**
   * Records that the stage of that revision reached `reached` servers; never lowers it (two
   * reports may advance a stage at once), and changes nothing once a newer rollout replaced it.
   */
  setReached(appId: string, revision: string, reached: number): Promise<void>;
  /** Drops the stage of that revision (every server has been sent it); a newer one stays. */
  delete(appId: string, revision: string): Promise<void>;
}
