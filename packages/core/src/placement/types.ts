/**
 * The scheduler's vocabulary: what it is given (apps, servers, where replicas run now) and what
 * it answers (where every replica slot runs, what changed, what could not be placed and why).
 */

/**
 * `ready` servers take new replicas. `suspect` (heartbeats late) and `paused` (a person said so)
 * keep what they run but get nothing new, so a slow server does not lose its replicas; `draining`
 * and `down` servers give their replicas away.
 */
export type ServerStatus = 'ready' | 'draining' | 'down' | 'paused' | 'suspect';

/** What a server has for replicas; `null` capacity means unknown (an older agent): unconstrained. */
export interface ServerCapacity {
  cpu: number;
  memoryMiB: number;
}

export interface PlacementServer {
  id: string;
  /** What people call it (`web-2`); used in reasons. */
  name: string;
  status: ServerStatus;
  labels: Readonly<Record<string, string>>;
  capacity: ServerCapacity | null;
}

/** `zone=b` or `zone!=b` on a server's labels; a server without the label fails `=` and passes `!=`. */
export interface PlacementConstraint {
  key: string;
  op: '=' | '!=';
  value: string;
}

export interface PlacementApp {
  id: string;
  name: string;
  replicas: number;
  /** Reserved per replica: the app's per-replica limits. */
  cpu: number;
  memoryMiB: number;
  constraints: readonly PlacementConstraint[];
  /** A server label (like `zone`) whose values the replicas spread across, after spreading across servers. */
  spreadBy?: string;
  /**
   * The one server every replica must run on, and why (`volume uploads`): data that lives on one
   * server (a volume) pins its app there. Stronger than constraints: when that server cannot take
   * the replica, it is unplaced with that reason, never put elsewhere.
   */
  pinnedTo?: { serverId: string; because: string };
}

/** Replica slot `slot` (1-based) of app `appId` runs on server `serverId`. */
export interface SlotPlacement {
  appId: string;
  slot: number;
  serverId: string;
}

export type PlacementChange =
  | { kind: 'place'; appId: string; slot: number; serverId: string }
  | { kind: 'move'; appId: string; slot: number; fromServerId: string; serverId: string }
  | { kind: 'remove'; appId: string; slot: number; fromServerId: string };

/** Why a slot has no server; each names what a person can change. */
export type UnplaceableReason =
  | { kind: 'no-servers' }
  | { kind: 'no-ready-server'; notReady: readonly { server: string; status: ServerStatus }[] }
  | { kind: 'constraints'; constraints: readonly PlacementConstraint[] }
  | { kind: 'memory'; needMiB: number; mostFree: { server: string; freeMiB: number } }
  | { kind: 'cpu'; needCpu: number; mostFree: { server: string; freeCpu: number } }
  | { kind: 'pinned'; because: string; server: string; status: ServerStatus | 'gone' };

export interface UnplacedSlot {
  appId: string;
  appName: string;
  slot: number;
  reason: UnplaceableReason;
}

export interface PlacementResult {
  /** Every placed slot, sorted by app id then slot. */
  placements: SlotPlacement[];
  /** From `current` to `placements`. */
  changes: PlacementChange[];
  /** Slots that fit nowhere; a draining server's slot that fits nowhere stays where it is instead. */
  unplaced: UnplacedSlot[];
}
