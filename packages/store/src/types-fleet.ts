/**
 * The fleet: servers, the replica slots placed on them, the one-time tokens that let a new
 * server's agent register its key, and staged rollouts.
 */

export interface ServerRow {
  id: string;
  name: string;
  /** Ed25519 SPKI DER, base64. */
  publicKey: string;
  /** X25519 SPKI DER, base64: secrets are sealed to it on their way to this server's agent. */
  sealingKey: string | null;
  createdAt: number;
  lastSeenAt: number | null;
  /** Of the desired state it is sent: rises with every change it must see (the agent drops older pushes). */
  desiredVersion: number;
  /** Matched by app constraints (`zone=b`, `role=build`). */
  labels: Record<string, string>;
  /** What an admin decided; reachability (online, suspect, down) is berthd's to derive, not stored. */
  state: ServerState;
  /** What its agent reported it has; null until it says. */
  capacity: ServerCapacity | null;
  agentVersion: string | null;
  /** Where other servers reach its replicas (its private or mesh address); null: only itself. */
  privateIp: string | null;
  /** A new key that claimed this server: used only once an admin approves it. */
  pendingPublicKey: string | null;
  /** Its WireGuard key and endpoint as its agent last said; null: it is not in the mesh. */
  mesh: ServerMesh | null;
  /** The mesh address berthd gave it (kept for good once given: never another server's). */
  meshIp: string | null;
}

export interface ServerMesh {
  /** WireGuard public key (base64). */
  publicKey: string;
  /** `ip:port` where peers dial it; null: it dials out only. */
  endpoint: string | null;
}

export type ServerState = 'active' | 'draining' | 'paused' | 'removed';

export interface ServerCapacity {
  /** Thousandths of a CPU. */
  cpuMillis: number;
  memoryMib: number;
}

/** What an agent says of itself each time it connects. */
export interface ServerHello {
  sealingKey: string;
  agentVersion: string;
  capacity: ServerCapacity | null;
  privateIp: string | null;
  /** Its WireGuard key and endpoint; null: it does not join the mesh (the address it was given stays). */
  mesh: ServerMesh | null;
}

export interface ServerRepo {
  get(id: string): Promise<ServerRow | null>;
  findByPublicKey(publicKey: string): Promise<ServerRow | null>;
  /** The server of that name that is not removed, if any. */
  findByName(name: string): Promise<ServerRow | null>;
  /**
   * A new server starts at desired version 0, `active`, with what its hello said. Throws
   * BerthError SERVER_EXISTS when a server that is not removed has the name.
   */
  create(
    row: Pick<ServerRow, 'id' | 'name' | 'publicKey' | 'sealingKey' | 'createdAt' | 'lastSeenAt'> &
      Partial<
        Pick<ServerRow, 'labels' | 'capacity' | 'agentVersion' | 'privateIp'> & Pick<ServerHello, 'mesh'>
      >,
  ): Promise<void>;
  /** Records what an agent said when it connected (its keys stay; see setPendingKey). */
  recordHello(id: string, hello: ServerHello): Promise<void>;
  setState(id: string, state: ServerState): Promise<void>;
  setLabels(id: string, labels: Record<string, string>): Promise<void>;
  /** A key that claimed this server, or null to forget it. */
  setPendingKey(id: string, publicKey: string | null): Promise<void>;
  /** The pending key becomes the server's key. False when there was none. */
  approvePendingKey(id: string): Promise<boolean>;
  /** After a change to what servers should run: every server's desired version rises by one. */
  bumpDesiredVersions(): Promise<void>;
  setLastSeen(id: string, at: number): Promise<void>;
  setSealingKey(id: string, sealingKey: string): Promise<void>;
  /**
   * Gives the server mesh address `ip` if it has none: false when it already has one, or when
   * another server holds `ip` (a racing assignment: pick again).
   */
  assignMeshIp(id: string, ip: string): Promise<boolean>;
  /** Every mesh address given, removed servers' included. */
  meshIps(): Promise<string[]>;
  list(): Promise<ServerRow[]>;
}

/** Replica slot `slot` (1-based) of deployment `deploymentId` runs on server `serverId`. */
export interface PlacementRow {
  deploymentId: string;
  appId: string;
  slot: number;
  serverId: string;
}

export interface PlacementRepo {
  createMany(rows: readonly PlacementRow[]): Promise<void>;
  /** By slot. */
  listForDeployment(deploymentId: string): Promise<PlacementRow[]>;
  /** What serves now: each app's current deployment's slots up to its current replica count. */
  listCurrent(): Promise<PlacementRow[]>;
  /**
   * listCurrent's rows on one server. What each server's desired state needs: with a large fleet,
   * reading every row for every server made a push to all of them cost O(servers²).
   */
  listCurrentOn(serverId: string): Promise<PlacementRow[]>;
  /** The apps that listCurrent has rows of (their current deployment was placed), each once. */
  listPlacedApps(): Promise<Set<string>>;
}

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
