import { isHeldBack, isStageDone, reachedAfter, startStage, type RolloutStage } from '@berth/core';
import type { AgentReport, DesiredApp, DesiredState } from '@berth/protocol';
import type { Repos, Store } from '@berth/store';
import type { FastifyBaseLogger } from 'fastify';
import type { AgentSession } from './session.js';

/**
 * One server at a time: a rollout's new revision of an app reaches the servers in order, the
 * next one only once every server before it reports it converged (the rule: core's
 * rollout-stage.ts). Each server replaces its own replicas one at a time, so across the fleet
 * one replica is replaced at a time; and the servers that lose their slots come last, so a
 * replica that moves keeps serving where it was until its replacement serves elsewhere. A server
 * not reached yet keeps what it was last sent of the app.
 *
 * Stages are kept in the store (rollout_stages) as well as here, so a berthd restarted mid-rollout
 * goes on one server at a time. What a server not reached yet was last sent is kept here only:
 * after a restart it is rebuilt from the store at the revision the server's agent reports (the
 * agent keeps its desired state on disk and reports the revision of what it was last sent), not
 * stored, because a desired app carries secrets sealed to one agent and the store has all that
 * makes it. Until such a server's first report berthd sends it nothing (its agent keeps
 * reconciling what it holds), never a desired state without the app, which would drain it.
 */
export function createStaging(store: Store, log: FastifyBaseLogger) {
  const all = new Map<string, RolloutStage>();
  let loading: Promise<Map<string, RolloutStage>> | null = null;
  /** The stages, read from the store once; one begun meanwhile is newer than what was read. */
  const stages = (): Promise<Map<string, RolloutStage>> =>
    (loading ??= store.rolloutStages.list().then(
      (rows) => {
        for (const r of rows) if (!all.has(r.appId)) all.set(r.appId, { ...r, order: r.serverIds });
        return all;
      },
      (err: unknown) => {
        loading = null;
        throw err;
      },
    ));
  /** What each server was last sent of each app (this berthd's life): held back while its turn has not come. */
  const lastSent = new Map<string, Map<string, DesiredApp>>();
  /** Servers whose push waits for their first report (see heldShare). */
  const awaitingReport = new Set<string>();

  const isConverged = (session: AgentSession | undefined, stage: RolloutStage): boolean => {
    const app = session?.report?.apps.find((a) => a.appId === stage.appId);
    return app?.revision === stage.revision && app.phase === 'converged';
  };

  /** Writes the stages `advance` moved; a failed write is logged, the pushes go on (see below). */
  const save = async (moved: readonly RolloutStage[]): Promise<void> => {
    for (const s of moved) {
      try {
        if (isStageDone(s)) await store.rolloutStages.delete(s.appId, s.revision);
        else await store.rolloutStages.setReached(s.appId, s.revision, s.reached);
      } catch (err) {
        // A restart then holds back servers already sent the revision: rebuilt from their reports,
        // they keep it, so nothing goes back.
        log.error({ err, app: s.appId }, 'recording how far a rollout reached failed');
      }
    }
  };

  return {
    /**
     * A new rollout of the app: only the first server in `order` gets it now. `tx` is the
     * transaction that makes the rollout current (deploy-job.ts), so no berthd, restarted or not,
     * sees it current and not staged; it is kept here at once, before that commits, so no push
     * meanwhile reads it current and not staged either.
     */
    async begin(tx: Repos, appId: string, revision: string, order: readonly string[]): Promise<void> {
      const stage = startStage(appId, revision, order);
      all.set(appId, stage);
      await tx.rolloutStages.put({ appId, revision, serverIds: [...stage.order], reached: stage.reached });
    },

    /**
     * The rollout of `revision` is put back (a revert, not staged): its stage goes, in the
     * transaction `tx` that puts it back. A newer stage of the app stays.
     */
    async drop(tx: Repos, appId: string, revision: string): Promise<void> {
      if (all.get(appId)?.revision === revision) all.delete(appId);
      await tx.rolloutStages.delete(appId, revision);
    },

    /**
     * The desired state `state` for a server, with apps whose turn has not come held back at what
     * it was last sent; null: send nothing yet (the server's report is needed first). `report` is
     * its agent's latest; `rebuild` makes the app at the revision that report gives.
     */
    async hold(
      serverId: string,
      state: DesiredState,
      report: AgentReport | null,
      rebuild: (appId: string, revision: string) => Promise<DesiredApp | null>,
    ): Promise<DesiredState | null> {
      await stages();
      const sent = lastSent.get(serverId);
      const apps: DesiredApp[] = [];
      for (const app of state.apps) {
        if (!isHeldBack(all.get(app.appId), serverId, app.revision)) {
          apps.push(app);
          continue;
        }
        const before = sent ? sent.get(app.appId) : await heldShare(app, report, rebuild);
        if (before === 'await report') {
          awaitingReport.add(serverId);
          return null;
        }
        if (before) apps.push(before);
      }
      lastSent.set(serverId, new Map(apps.map((a) => [a.appId, a])));
      return { ...state, apps };
    },

    /**
     * After a report: every stage whose reached servers have all converged moves on to the next
     * server. Returns the servers to push to now (with those whose push awaited a report).
     */
    async advance(sessions: ReadonlyMap<string, AgentSession>): Promise<string[]> {
      await stages();
      const next = [...awaitingReport].filter((id) => sessions.get(id)?.report);
      for (const id of next) awaitingReport.delete(id);
      // Moved here before any write is awaited, so two reports at once never move a stage twice.
      const moved: RolloutStage[] = [];
      for (const stage of all.values()) {
        const reached = reachedAfter(stage, (id) => isConverged(sessions.get(id), stage));
        if (reached === stage.reached && !isStageDone(stage)) continue;
        next.push(...stage.order.slice(stage.reached, reached));
        const now = { ...stage, reached };
        if (isStageDone(now)) all.delete(stage.appId);
        else all.set(stage.appId, now);
        moved.push(now);
      }
      await save(moved);
      return next;
    },
  };
}

/**
 * What a server this berthd has not pushed to yet (it restarted) keeps of an app held back: the
 * app at the revision its agent reports; nothing when its agent has none of it; the new revision
 * when it already has that (it was sent it before the restart) or the store cannot rebuild the
 * old one (better than nothing, which would drain it). Without a report yet: wait for one.
 */
async function heldShare(
  app: DesiredApp,
  report: AgentReport | null,
  rebuild: (appId: string, revision: string) => Promise<DesiredApp | null>,
): Promise<DesiredApp | undefined | 'await report'> {
  if (!report) return 'await report';
  const holds = report.apps.find((a) => a.appId === app.appId);
  if (!holds) return undefined;
  if (holds.revision === app.revision) return app;
  return (await rebuild(app.appId, holds.revision)) ?? app;
}
