import type { LiveNotice } from '@berth/protocol';

export type NoticeListener = (notices: readonly LiveNotice[]) => void;

/**
 * The channel of what belongs to no team (audit rows of logins, of requests refused before a
 * team was known): only installation owners may read those, so only their streams listen here.
 * Not an id (ids are `xxx_` and 20 characters), so no team's channel is ever this one.
 */
export const INSTALLATION = 'installation';

/**
 * berthd's event bus, in memory: what changed, per team, by kind and name (store-notices.ts
 * publishes), to whoever listens to that team now (the event streams). It keeps nothing: a
 * client that was not listening reads the API, which is what it does on a notice anyway.
 */
export class EventBus {
  private readonly teams = new Map<string, Set<NoticeListener>>();
  private readonly accessListeners = new Set<() => void>();

  /** Hears the team's notices until the returned function is called. */
  subscribe(teamId: string, listener: NoticeListener): () => void {
    let listeners = this.teams.get(teamId);
    if (!listeners) this.teams.set(teamId, (listeners = new Set()));
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.teams.get(teamId) === listeners) this.teams.delete(teamId);
    };
  }

  publish(teamId: string, notices: readonly LiveNotice[]): void {
    if (notices.length === 0) return;
    for (const listener of this.teams.get(teamId) ?? []) listener(notices);
  }

  /**
   * Hears of commits that may have changed who may read what (a logout, a revoked token or
   * membership: every such change is audited), until the returned function is called.
   */
  onAccessMayHaveChanged(listener: () => void): () => void {
    this.accessListeners.add(listener);
    return () => this.accessListeners.delete(listener);
  }

  accessMayHaveChanged(): void {
    for (const listener of this.accessListeners) listener();
  }

  /** Whether anyone listens to any team (nothing needs to be read for the bus otherwise). */
  get listening(): boolean {
    return this.teams.size > 0 || this.accessListeners.size > 0;
  }

  /** Listeners of the team now (for tests). */
  listenersOf(teamId: string): number {
    return this.teams.get(teamId)?.size ?? 0;
  }
}
