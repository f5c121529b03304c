import { toAppRoutes, type AppRoute, type Upstream } from '@berth/core';
import type { DesiredApp, DesiredState, ElsewhereApp } from '@berth/protocol';

/**
 * Every server's edge serves every app. Apps with replicas here are served by them (the
 * agent routes and unroutes those itself, so a rollout here fails no request); an app with none
 * here is served by its serving replicas on other servers, as berthd lists them. When this
 * server's last replica of an app leaves (a move), the edge turns to the others at once.
 */
export type UpstreamsByApp = Record<string, Upstream[]>;

/**
 * The routes the edge serves: the apps placed here and the apps served from elsewhere. An app
 * whose team has a network here (`teamSubnets`, team id → subnet) is also served as
 * `<app>.internal` to that subnet: the team's replicas here reach it, wherever it runs. A
 * database's workload has no route (its routed replica sits in the upstreams only, unserved).
 */
export function edgeRoutes(
  desired: readonly DesiredApp[],
  elsewhere: readonly ElsewhereApp[],
  teamSubnets: ReadonlyMap<string, string> = new Map(),
): AppRoute[] {
  const here = new Set(desired.map((d) => d.appId));
  // A managed database is reached over TCP on its team network (`<db>.db.internal`), never
  // through the edge, whatever hostnames its workload carries.
  const served = desired.filter((d) => d.database === undefined);
  const apps = [...served, ...elsewhere.filter((e) => !here.has(e.appId))];
  const byId = new Map(apps.map((a) => [a.appId, a]));
  return toAppRoutes(apps).map((route) => {
    const app = byId.get(route.appId);
    const subnet = app?.teamId === undefined ? undefined : teamSubnets.get(app.teamId);
    const redirects = app?.redirects ?? [];
    return {
      ...route,
      ...(subnet !== undefined && { internalFrom: subnet }),
      ...(redirects.length > 0 && { redirects: redirects.map((r) => ({ ...r })) }),
    };
  });
}

/** Other servers' replicas by app name, for the apps served from elsewhere. */
export function remoteUpstreams(state: DesiredState | null): UpstreamsByApp {
  return Object.fromEntries(
    (state?.elsewhere ?? []).map((e) => [e.appName, e.upstreams.map((u) => ({ ...u }))]),
  );
}

/** What the edge sends each app to: this server's routed replicas, else the other servers'. */
export function edgeUpstreams(local: UpstreamsByApp, remote: UpstreamsByApp): UpstreamsByApp {
  const out: UpstreamsByApp = {};
  for (const [app, ups] of Object.entries(remote)) if (ups.length > 0) out[app] = ups;
  for (const [app, ups] of Object.entries(local)) if (ups.length > 0) out[app] = ups;
  return out;
}

/** Local upstreams without any of the remote ones (an edge read back at start holds both). */
export function withoutRemote(local: UpstreamsByApp, remote: UpstreamsByApp): UpstreamsByApp {
  const names = new Set(Object.values(remote).flatMap((ups) => ups.map((u) => u.name)));
  const out: UpstreamsByApp = {};
  for (const [app, ups] of Object.entries(local)) {
    const mine = ups.filter((u) => !names.has(u.name));
    if (mine.length > 0) out[app] = mine;
  }
  return out;
}
