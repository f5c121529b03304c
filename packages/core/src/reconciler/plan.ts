import type { DesiredApp } from '@berth/protocol';
import { toContainerName } from '../naming.js';
import {
  isWantedBy,
  slotsOf,
  type Action,
  type ObservedReplica,
  type ObservedState,
  type PlanSettings,
  type RolloutOutcome,
} from './types.js';

/**
 * The reconciler's decision, pure: given what should run and what does, the next actions.
 * The agent applies them in order, observes again and calls plan() again, so every decision
 * is made from fresh observations and a crash at any point simply resumes.
 *
 * Rolling, one replica at a time, never below the replicas already serving:
 * start new → healthy → route → unroute one old → drain → stop.
 * With the app's `recreate` strategy (single writers on a volume): unroute every old replica →
 * drain → stop, and start new ones only once no old one runs or is stopping.
 *
 * A stop runs while the agent goes on planning (an app may take its whole grace period to exit),
 * so replicas being stopped are set aside: a rollout converges once every old replica is drained
 * and stopping, and their removal does not hold it back.
 */
export function plan(
  desired: readonly DesiredApp[],
  observed: ObservedState,
  settings: PlanSettings,
): Action[] {
  const byApp = new Map<string, ObservedReplica[]>();
  const actions: Action[] = [];
  const stopping: ObservedReplica[] = [];
  for (const r of observed.replicas) {
    if (r.stopping) {
      stopping.push(r);
      continue;
    }
    const list = byApp.get(r.appId) ?? [];
    list.push(r);
    byApp.set(r.appId, list);
  }
  // Never the case when the agent unroutes before it stops; kept so the proxy can never pick one.
  for (const r of bySlot(stopping)) if (r.routed) actions.push(unroute(r, 'it is being stopped'));
  for (const app of desired) {
    const own = stopping.filter((r) => r.appId === app.appId);
    actions.push(...planApp(app, byApp.get(app.appId) ?? [], own, observed, settings));
    byApp.delete(app.appId);
  }
  for (const orphans of byApp.values()) actions.push(...planOrphans(orphans));
  return actions;
}

/** Containers of an app nobody wants any more: out of the proxy, then gone. */
function planOrphans(replicas: readonly ObservedReplica[]): Action[] {
  return bySlot(replicas).flatMap((r): Action[] => [
    ...(r.routed ? [unroute(r, 'its app was deleted')] : []),
    stop(r, 'it belongs to no desired app'),
  ]);
}

interface AppContext {
  app: DesiredApp;
  nowMs: number;
  settings: PlanSettings;
  actions: Action[];
  outcome: RolloutOutcome | undefined;
}

function planApp(
  app: DesiredApp,
  replicas: readonly ObservedReplica[],
  stopping: readonly ObservedReplica[],
  observed: ObservedState,
  settings: PlanSettings,
): Action[] {
  const ctx: AppContext = {
    app,
    nowMs: observed.nowMs,
    settings,
    actions: [],
    outcome: observed.outcomes[app.revision],
  };
  const live = removeDead(ctx, replicas);
  const isTarget = (r: ObservedReplica): boolean => isWantedBy(app, r);
  const wanted = slotsOf(app).length;
  const pending = bySlot(live.filter((r) => isTarget(r) && !r.routed && r.unroutedAtMs === null));
  const routedTarget = bySlot(live.filter((r) => isTarget(r) && r.routed));
  const routedOld = bySlot(live.filter((r) => !isTarget(r) && r.routed));
  const retiring = live.filter((r) => !r.routed && (!isTarget(r) || r.unroutedAtMs !== null));

  const { serving, starting } = advancePending(ctx, pending, routedTarget);
  const recreate = app.strategy === 'recreate';
  if (ctx.outcome !== 'failed' && recreate)
    for (const r of routedOld) ctx.actions.push(unroute(r, 'the app is recreated: old replicas stop first'));
  else if (ctx.outcome !== 'failed') retire(ctx, serving, routedOld);
  // Recreate: a new replica never runs beside an old one of the app (on this server).
  const oldAround = recreate && (live.some((r) => !isTarget(r)) || stopping.some((r) => !isTarget(r)));
  if (ctx.outcome !== 'failed' && !starting && !oldAround && serving.length < wanted) {
    const blockedUntil = observed.startBlockedUntilMs[app.appId] ?? 0;
    if (ctx.nowMs >= blockedUntil) startNext(ctx, live.filter(isTarget), stopping.filter(isTarget));
  }
  drain(ctx, retiring);

  // Replicas this plan stops are as good as gone: their stop no longer holds the rollout back.
  const stopped = new Set(ctx.actions.flatMap((a) => (a.kind === 'stop' ? [a.containerId] : [])));
  const remaining = replicas.filter((r) => !stopped.has(r.containerId));
  const settled =
    remaining.length === wanted && remaining.every((r) => isTarget(r) && r.status === 'running' && r.routed);
  if (ctx.outcome === undefined && settled) {
    ctx.actions.push({ kind: 'converge', appId: app.appId, revision: app.revision });
  }
  return ctx.actions;
}

/** Exited or never-started containers leave; a target that exits mid-rollout fails the rollout. */
function removeDead(ctx: AppContext, replicas: readonly ObservedReplica[]): ObservedReplica[] {
  const live: ObservedReplica[] = [];
  for (const r of bySlot(replicas)) {
    if (r.status === 'running') {
      live.push(r);
      continue;
    }
    if (r.routed) ctx.actions.push(unroute(r, 'it is not running'));
    const isTarget = isWantedBy(ctx.app, r);
    if (isTarget && r.status === 'exited' && ctx.outcome === undefined) {
      ctx.outcome = 'failed';
      ctx.actions.push(
        fail(
          ctx,
          'DEPLOY_CONTAINER_EXITED',
          `${r.name} exited with code ${r.exitCode ?? '?'} before it was healthy`,
          r,
        ),
      );
    }
    const crashed = r.status === 'exited' && ctx.outcome === 'converged';
    ctx.actions.push(
      stop(r, r.status === 'exited' ? `it exited (code ${r.exitCode ?? '?'})` : 'it never started', crashed),
    );
  }
  return live;
}

/** New replicas of the target release: route the healthy ones, time out the ones that never get there. */
function advancePending(
  ctx: AppContext,
  pending: readonly ObservedReplica[],
  routedTarget: readonly ObservedReplica[],
): { serving: ObservedReplica[]; starting: boolean } {
  const serving = [...routedTarget];
  let starting = false;
  const { health } = ctx.app.release;
  for (const r of pending) {
    if (ctx.outcome === 'failed') {
      ctx.actions.push(stop(r, 'its release failed'));
    } else if (r.health === 'healthy') {
      if (serving.length < slotsOf(ctx.app).length) {
        ctx.actions.push({ kind: 'route', appId: ctx.app.appId, containerId: r.containerId, name: r.name });
        serving.push(r);
      } else {
        ctx.actions.push(stop(r, 'more replicas than wanted'));
      }
    } else if (r.startedAtMs !== null && ctx.nowMs - r.startedAtMs > health.timeoutMs) {
      ctx.outcome = 'failed';
      const what =
        health.type === 'http'
          ? `GET ${health.path} on port ${ctx.app.release.port}`
          : `port ${ctx.app.release.port}`;
      ctx.actions.push(
        fail(
          ctx,
          'DEPLOY_HEALTHCHECK_FAILED',
          `${r.name} did not pass its health check (${what}) within ${health.timeoutMs} ms`,
          r,
        ),
      );
      ctx.actions.push(stop(r, 'it never became healthy'));
    } else {
      starting = true;
    }
  }
  return { serving, starting };
}

/**
 * Takes replicas out of the upstream set as their replacements serve: old ones first, then
 * target replicas above the wanted count. Keeps min(wanted, serving) routed, so a serving app
 * never loses its last healthy replica unless it is scaled to zero.
 */
function retire(
  ctx: AppContext,
  serving: readonly ObservedReplica[],
  routedOld: readonly ObservedReplica[],
): void {
  const wanted = slotsOf(ctx.app).length;
  const okServing = serving.filter(notUnhealthy).length;
  const keepOld = Math.min(routedOld.length, Math.max(0, wanted - okServing));
  const oldToGo = healthiestFirst(routedOld).slice(keepOld);
  const targetToGo = healthiestFirst(serving).slice(Math.min(serving.length, wanted));
  const going = new Set([...oldToGo, ...targetToGo]);
  const routed = [...serving, ...routedOld];
  const keepsOne = routed.some((r) => !going.has(r) && notUnhealthy(r)) || !routed.some(notUnhealthy);
  if (wanted > 0 && !keepsOne) return;
  for (const r of oldToGo) ctx.actions.push(unroute(r, 'replaced by the new release'));
  for (const r of targetToGo) ctx.actions.push(unroute(r, 'scaled down'));
}

/**
 * Starts the lowest free slot of this server's slots. A container's name comes from its release
 * and slot, so a slot whose previous holder of the same release is still being stopped is waited
 * for.
 */
function startNext(
  ctx: AppContext,
  targetReplicas: readonly ObservedReplica[],
  stoppingTargets: readonly ObservedReplica[],
): void {
  const used = new Set(targetReplicas.map((r) => r.slot));
  const slot = [...slotsOf(ctx.app)].sort((a, b) => a - b).find((s) => !used.has(s));
  if (slot === undefined) return;
  if (stoppingTargets.some((r) => r.slot === slot)) return;
  const { release } = ctx.app;
  ctx.actions.push({
    kind: 'start',
    appId: ctx.app.appId,
    release,
    slot,
    name: toContainerName(ctx.app.appName, release, slot, ctx.app.restartId ?? null),
  });
}

/**
 * Out of the upstream set: stop once the proxy has nothing in flight and no other server's edge
 * holds it, or at the drain timeout.
 */
function drain(ctx: AppContext, retiring: readonly ObservedReplica[]): void {
  for (const r of bySlot(retiring)) {
    if (r.unroutedAtMs === null) {
      ctx.actions.push(stop(r, 'it was never serving and is no longer wanted'));
      continue;
    }
    const elapsed = ctx.nowMs - r.unroutedAtMs;
    if (elapsed >= ctx.app.drainTimeoutMs) {
      ctx.actions.push(stop(r, drainTimeoutReason(r)));
    } else if (elapsed >= ctx.settings.unrouteSettleMs && r.inflight === 0 && !r.heldElsewhere) {
      ctx.actions.push(stop(r, 'drained'));
    }
  }
}

const drainTimeoutReason = (r: ObservedReplica): string =>
  r.inflight > 0 || !r.heldElsewhere
    ? `drain timeout (${r.inflight} request(s) still in flight)`
    : 'drain timeout (other servers’ edges had not let it go)';

const notUnhealthy = (r: ObservedReplica): boolean => r.health !== 'unhealthy';

const HEALTH_RANK = { healthy: 0, unknown: 1, unhealthy: 2 } as const;

/** Replicas to keep come first: the healthy ones, then by slot. */
const healthiestFirst = (rs: readonly ObservedReplica[]): ObservedReplica[] =>
  bySlot(rs).sort((a, b) => HEALTH_RANK[a.health] - HEALTH_RANK[b.health]);

const bySlot = (rs: readonly ObservedReplica[]): ObservedReplica[] =>
  [...rs].sort((a, b) => a.slot - b.slot || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

const unroute = (r: ObservedReplica, reason: string): Action => ({
  kind: 'unroute',
  appId: r.appId,
  containerId: r.containerId,
  name: r.name,
  reason,
});

const stop = (r: ObservedReplica, reason: string, crashed = false): Action => ({
  kind: 'stop',
  appId: r.appId,
  containerId: r.containerId,
  name: r.name,
  reason,
  crashed,
});

const fail = (
  ctx: AppContext,
  code: 'DEPLOY_HEALTHCHECK_FAILED' | 'DEPLOY_CONTAINER_EXITED',
  message: string,
  r: ObservedReplica,
): Action => ({
  kind: 'fail',
  appId: ctx.app.appId,
  revision: ctx.app.revision,
  code,
  message,
  containerId: r.containerId,
});
