import type { AuditRow } from './types-audit.js';
import type { CommittedChanges, DeletedApp } from './types.js';

/** What a set of repositories tells about its writes (to be acted on once they commit). */
export interface RepoHooks {
  /** Every audit row appended. */
  onAppended?: (row: AuditRow) => Promise<void> | void;
  /** Every deployment created or updated, or given an event, by its id. */
  onDeployment?: (deploymentId: string) => void;
  /**
   * Every app created, updated or deleted, or one of its releases, secrets or domains written,
   * by its id; a deleted app with its team and name, which can no longer be read after the commit.
   */
  onApp?: (appId: string, deleted?: DeletedApp) => void;
  /** Every build created or updated (`log`: given log lines), by its id. */
  onBuild?: (buildId: string, what: 'row' | 'log') => void;
}

/** The writes of one transaction (or one lone write), gathered until it commits. */
export class ChangeSet implements CommittedChanges {
  readonly apps = new Set<string>();
  readonly deletedApps = new Map<string, DeletedApp>();
  readonly deployments = new Set<string>();
  readonly builds = new Set<string>();
  readonly buildLogs = new Set<string>();
  readonly auditTeams = new Set<string | null>();
  /** The audit rows themselves, for the store's onAuditCommitted listeners. */
  readonly appended: AuditRow[] = [];

  get empty(): boolean {
    return (
      this.apps.size + this.deletedApps.size + this.deployments.size + this.builds.size === 0 &&
      this.buildLogs.size + this.auditTeams.size === 0
    );
  }

  /** Hooks for repositories whose writes land in this set. */
  hooks(): RepoHooks {
    return {
      onAppended: (row) => {
        this.appended.push(row);
        this.auditTeams.add(row.teamId);
      },
      onDeployment: (id) => void this.deployments.add(id),
      onApp: (id, deleted) => {
        if (deleted) this.deletedApps.set(id, deleted);
        else this.apps.add(id);
      },
      onBuild: (id, what) => void (what === 'log' ? this.buildLogs : this.builds).add(id),
    };
  }
}

/**
 * Hooks for writes made outside a transaction: each is its own commit, so each is told at once
 * (`publish` runs when the write has landed).
 */
export function loneWriteHooks(publish: (changes: ChangeSet) => Promise<void>): RepoHooks {
  const alone = (record: (hooks: RepoHooks) => void): Promise<void> => {
    const changes = new ChangeSet();
    record(changes.hooks());
    return publish(changes);
  };
  return {
    onAppended: (row) => alone((h) => void h.onAppended?.(row)),
    onDeployment: (id) => void alone((h) => h.onDeployment?.(id)),
    onApp: (id, deleted) => void alone((h) => h.onApp?.(id, deleted)),
    onBuild: (id, what) => void alone((h) => h.onBuild?.(id, what)),
  };
}
