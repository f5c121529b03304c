import type { LiveNotice } from '@berth/protocol';
import type { AppRow, CommittedChanges, DeletedApp, Store } from '@berth/store';
import { INSTALLATION, type EventBus } from './bus.js';

/**
 * Gathers commits and replica reports for a moment and publishes them as notices, so a burst
 * (a rollout's steps, a build's log) is one notice per thing per batch, and the ids are turned
 * into teams and names with one read each.
 */
export const NOTICE_BATCH_MS = 100;

interface Pending {
  apps: Set<string>;
  deletedApps: Map<string, DeletedApp>;
  deployments: Set<string>;
  builds: Set<string>;
  buildLogs: Set<string>;
  replicas: Set<string>;
  auditTeams: Set<string | null>;
}

const empty = (): Pending => ({
  apps: new Set(),
  deletedApps: new Map(),
  deployments: new Set(),
  builds: new Set(),
  buildLogs: new Set(),
  replicas: new Set(),
  auditTeams: new Set(),
});

export interface StoreNoticesDeps {
  store: Store;
  bus: EventBus;
  log: { warn(obj: object, msg: string): void };
  batchMs?: number;
}

export interface StoreNotices {
  /** Apps whose replicas, as their servers report them, changed (agents/replica-summary.ts). */
  replicasChanged(appIds: Iterable<string>): void;
  /** Publishes what is pending and stops (before the store closes). */
  stop(): Promise<void>;
}

/**
 * Turns every commit of the store (Store.onCommitted: whichever code path wrote, nothing is
 * missed) and every change of reported replicas into notices on the bus, scoped to the team of
 * the app they concern. A notice names what changed, never its data.
 */
export function startStoreNotices({
  store,
  bus,
  log,
  batchMs = NOTICE_BATCH_MS,
}: StoreNoticesDeps): StoreNotices {
  let pending = empty();
  let timer: NodeJS.Timeout | null = null;
  let flushing: Promise<void> = Promise.resolve();
  let stopped = false;

  const schedule = (): void => {
    if (timer || stopped) return;
    timer = setTimeout(() => {
      timer = null;
      const batch = pending;
      pending = empty();
      flushing = flushing
        .then(() => publish(store, bus, batch))
        .catch((err: unknown) => log.warn({ err }, 'could not publish change notices'));
    }, batchMs);
  };

  store.onCommitted((c: CommittedChanges) => {
    for (const id of c.apps) pending.apps.add(id);
    for (const [id, app] of c.deletedApps) pending.deletedApps.set(id, app);
    for (const id of c.deployments) pending.deployments.add(id);
    for (const id of c.builds) pending.builds.add(id);
    for (const id of c.buildLogs) pending.buildLogs.add(id);
    for (const team of c.auditTeams) pending.auditTeams.add(team);
    schedule();
  });

  return {
    replicasChanged(appIds) {
      for (const id of appIds) pending.replicas.add(id);
      schedule();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await flushing;
    },
  };
}

async function publish(store: Store, bus: EventBus, batch: Pending): Promise<void> {
  // Audited changes include every logout and revocation: open streams check their access again.
  if (batch.auditTeams.size > 0) bus.accessMayHaveChanged();
  if (!bus.listening) return;
  const byTeam = new Map<string, Map<string, LiveNotice>>();
  const add = (teamId: string, notice: LiveNotice): void => {
    let notices = byTeam.get(teamId);
    if (!notices) byTeam.set(teamId, (notices = new Map<string, LiveNotice>()));
    notices.set(JSON.stringify(notice), notice);
  };
  const apps = new Map<string, Promise<AppRow | null>>();
  const appOf = (id: string): Promise<AppRow | null> => {
    let app = apps.get(id);
    if (!app) apps.set(id, (app = store.apps.getById(id)));
    return app;
  };

  for (const id of batch.apps) {
    const app = await appOf(id);
    if (app) add(app.teamId, { kind: 'app', app: app.name });
  }
  for (const { teamId, name } of batch.deletedApps.values()) add(teamId, { kind: 'app', app: name });
  for (const id of batch.deployments) {
    const deployment = await store.deployments.get(id);
    const app = deployment && (await appOf(deployment.appId));
    if (app) add(app.teamId, { kind: 'deployment', app: app.name, deployment: id });
  }
  for (const [ids, kind] of [
    [batch.builds, 'build'],
    [batch.buildLogs, 'build-log'],
  ] as const) {
    for (const id of ids) {
      const build = await store.builds.get(id);
      const app = build && (await appOf(build.appId));
      if (build && app) add(app.teamId, { kind, app: app.name, build: id, number: build.number });
    }
  }
  for (const id of batch.replicas) {
    const app = await appOf(id);
    if (app) add(app.teamId, { kind: 'replicas', app: app.name });
  }
  for (const teamId of batch.auditTeams) add(teamId ?? INSTALLATION, { kind: 'audit' });

  for (const [teamId, notices] of byTeam) bus.publish(teamId, [...notices.values()]);
}
