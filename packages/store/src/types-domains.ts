import type { DomainKind, DomainStatus } from '@berth/protocol';

/** Custom domains of apps (issue 11): the table, the row and the repository. */

/** Added by 0013. */
export interface DomainsTable {
  id: string;
  app_id: string;
  team_id: string;
  /** Canonical ASCII (`xn--…` for Unicode labels), unique across the installation. */
  name: string;
  kind: DomainKind;
  redirect_to: string | null;
  status: DomainStatus;
  issuer: string | null;
  expires_at: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

export interface DomainRow {
  id: string;
  appId: string;
  /** The app's team: who holds the name. */
  teamId: string;
  /** Canonical ASCII, as @berth/core's parseDomainName returns it; `*.example.com` for a wildcard. */
  name: string;
  kind: DomainKind;
  /** For a redirect: the primary name of the same app it redirects to. Null for a primary. */
  redirectTo: string | null;
  status: DomainStatus;
  /** Who issued the current certificate; null before the first. */
  issuer: string | null;
  /** When the current certificate expires (epoch ms); null before the first. */
  expiresAt: number | null;
  /** Why the last issuance or renewal failed, for a person to read; null when it did not. */
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

/**
 * A change of a domain's certificate status. `issuer`, `expiresAt` and `lastError` are kept when
 * left out and cleared when null: a failed renewal records its error and keeps the old expiry.
 */
export interface DomainStatusUpdate {
  status: DomainStatus;
  issuer?: string | null;
  expiresAt?: number | null;
  lastError?: string | null;
}

export interface DomainRepo {
  /**
   * Adds the names, all or none. Throws BerthError DOMAIN_TAKEN when one is already held by any
   * app (of any team), when another team's wildcard covers it, or when it is a wildcard that
   * covers a name another team holds; VALIDATION_FAILED when a name is not canonical.
   */
  add(rows: readonly DomainRow[]): Promise<void>;
  /** The app's names: primaries first, then by name. */
  listByApp(appId: string): Promise<DomainRow[]>;
  /** Every name of the installation, by name (for renewals and the edges). */
  list(): Promise<DomainRow[]>;
  getByName(name: string): Promise<DomainRow | null>;
  /**
   * Removes the app's name and, for a primary, the names that redirect to it; returns the names
   * removed (none when the app holds no such name).
   */
  remove(appId: string, name: string): Promise<string[]>;
  /** Sets the status of a name; returns the row as it now is, or null when there is no such name. */
  setStatus(name: string, update: DomainStatusUpdate, now: number): Promise<DomainRow | null>;
}
