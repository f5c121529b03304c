/**
 * What an edge serves, independent of the proxy behind it: each app's hostnames, and the
 * replicas that serve it. How a proxy is told (Caddy's upstream DNS service, say) is its
 * adapter's business, in @berth/engine.
 */

export interface Upstream {
  /** The replica's container name. */
  name: string;
  /** The address the edge dials, and the port there. */
  host: string;
  port: number;
}

export interface AppRoute {
  appId: string;
  appName: string;
  hostnames: string[];
  /**
   * The local subnet of the app's team network, when the team has one on this server: its
   * replicas also reach the app as `<appName>.internal`, and no other client does.
   */
  internalFrom?: string;
  /**
   * Names that only redirect (308) to one of `hostnames` (`berth domains add --redirect-from`),
   * keeping the path and query. Over HTTPS where the edge holds a certificate for the target.
   */
  redirects?: readonly HostRedirect[];
}

export interface HostRedirect {
  from: string;
  /** One of the route's hostnames. */
  to: string;
}

/** The name an app's own team reaches it by, on every server (see docs/security.md). */
export const toInternalHostname = (appName: string): string => `${appName}.internal`;

/** What the proxy serves: the routes change only when apps or hostnames change. */
export function toAppRoutes(
  apps: readonly { appId: string; appName: string; hostnames: string[] }[],
): AppRoute[] {
  return [...apps]
    .sort((a, b) => (a.appName < b.appName ? -1 : a.appName > b.appName ? 1 : 0))
    .map((a) => ({ appId: a.appId, appName: a.appName, hostnames: [...a.hostnames].sort() }));
}
