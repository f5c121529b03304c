/** Volumes (issue 12): the tables, the rows and the repository. */

/** Added by 0016. */
export interface VolumesTable {
  id: string;
  team_id: string;
  name: string;
  server_id: string;
  created_at: number;
}

/** Added by 0016. */
export interface AppVolumesTable {
  app_id: string;
  volume_id: string;
  path: string;
  position: number;
}

export interface VolumeRow {
  id: string;
  teamId: string;
  /** The team's name for it (checked like an app name); never reaches the engine. */
  name: string;
  /** The server it lives on. */
  serverId: string;
  createdAt: number;
}

/** One mount of a volume in an app's replicas. */
export interface AppVolumeRow {
  appId: string;
  volumeId: string;
  /** Checked by @berth/core's mountPathProblem before it is stored. */
  path: string;
}

/** A mount with the names people know it by. */
export interface VolumeUse extends AppVolumeRow {
  appName: string;
}

export interface VolumeRepo {
  /** Throws BerthError VOLUME_EXISTS when the team has a volume of that name. */
  create(row: VolumeRow): Promise<void>;
  get(id: string): Promise<VolumeRow | null>;
  getByName(teamId: string, name: string): Promise<VolumeRow | null>;
  /** The team's volumes (all teams' when teamId is null), by name. */
  list(teamId: string | null): Promise<VolumeRow[]>;
  /**
   * Deletes the volume unless an app mounts it: then throws BerthError VOLUME_IN_USE naming the
   * apps, and nothing is deleted. The check and the delete are one transaction.
   */
  delete(id: string): Promise<void>;
  /** Replaces the app's mounts, in order. */
  setMounts(appId: string, mounts: readonly Omit<AppVolumeRow, 'appId'>[]): Promise<void>;
  /** The app's mounts, in the order given. */
  mountsOf(appId: string): Promise<AppVolumeRow[]>;
  /** Who mounts the volume, by app name. */
  usesOf(volumeId: string): Promise<VolumeUse[]>;
}
