/** Managed databases (issue 12): the table, the row and the repository. */
import type { DatabaseEngine } from '@berth/protocol';

/** Added by 0017. */
export interface DatabasesTable {
  id: string;
  team_id: string;
  name: string;
  engine: string;
  version: string;
  server_id: string;
  volume_id: string;
  sealed_credentials: string;
  key_id: string;
  memory_mib: number;
  public_port: number | null;
  app_id: string | null;
  created_at: number;
}

/** Added by 0022. */
export interface DatabaseLinksTable {
  database_id: string;
  app_id: string;
  secret_key: string;
  created_at: number;
}

/** An app that gets the database's URL as the secret `secretKey`. */
export interface DatabaseLinkRow {
  databaseId: string;
  appId: string;
  appName: string;
  secretKey: string;
  createdAt: number;
}

export interface DatabaseRow {
  id: string;
  teamId: string;
  /** The team's name for it (checked like an app name); never reaches an engine, shell or SQL. */
  name: string;
  engine: DatabaseEngine;
  version: string;
  /** The server it runs on: its volume's. */
  serverId: string;
  volumeId: string;
  /** The credentials as one sealed JSON value; opened only by berthd with the master key. */
  sealedCredentials: string;
  keyId: string;
  memoryMiB: number;
  publicPort: number | null;
  /** The Berth-managed workload that runs it, when there is one. */
  appId: string | null;
  createdAt: number;
}

export interface DatabaseRepo {
  /**
   * Throws BerthError DATABASE_EXISTS when the team has a database of that name, and
   * DATABASE_PORT_TAKEN when another database of the server publishes that port.
   */
  create(row: DatabaseRow): Promise<void>;
  get(id: string): Promise<DatabaseRow | null>;
  getByName(teamId: string, name: string): Promise<DatabaseRow | null>;
  /** The team's databases (all teams' when teamId is null), by name. */
  list(teamId: string | null): Promise<DatabaseRow[]>;
  /** Which database keeps its data on the volume, if any (a volume holds one database). */
  getByVolume(volumeId: string): Promise<DatabaseRow | null>;
  setApp(id: string, appId: string | null): Promise<void>;
  /** The database a workload app runs, if it runs one. */
  getByApp(appId: string): Promise<DatabaseRow | null>;
  /** Adds or replaces the app's link (one per database and app). */
  putLink(row: Omit<DatabaseLinkRow, 'appName'>): Promise<void>;
  /** False when there was no such link. */
  deleteLink(databaseId: string, appId: string): Promise<boolean>;
  /** The database's links, by app name. */
  links(databaseId: string): Promise<DatabaseLinkRow[]>;
  /** The databases an app is linked to, by name. */
  linkedTo(appId: string): Promise<DatabaseRow[]>;
  /** Replaces the sealed credentials (re-sealing under a new master key). */
  reseal(id: string, sealedCredentials: string, keyId: string): Promise<void>;
  /** Points the database at another of its team's volumes (a restore in place made it). */
  setVolume(id: string, volumeId: string): Promise<void>;
  /** False when there was no such database. */
  delete(id: string): Promise<boolean>;
}
