/**
 * Caddy JSON config pieces shared by the boot config and the edge's (edge-config.ts).
 */

export type CaddyJson = Record<string, unknown>;

export const toUnixAddress = (socketPath: string): string => `unix/${socketPath}`;

/** Caddy's duration strings are Go's: `250ms`. Whole milliseconds; never below 1 ms. */
export const toCaddyDuration = (ms: number): string => `${Math.max(1, Math.round(ms))}ms`;

/**
 * What Caddy starts with before Berth has told it anything: the admin API and nothing else. The
 * edge's config keeps this section identical: Caddy restarts its admin endpoint when it changes,
 * which would drop the very request that is loading the config.
 */
export function renderCaddyBootConfig(adminSocket: string): CaddyJson {
  return { admin: { listen: toUnixAddress(adminSocket) } };
}
