/** What every provider is given besides its settings: deadlines, the clock, where to check a record. */

/**
 * Where a published record must be visible before `publish` returns (the CA asks right after).
 * - `authoritative`: the zone's own name servers, found through `resolver` (this machine's
 *   resolvers by default) by NS queries walking up the name; asked on `nameserverPort` (53).
 *   For RFC 2136 it is the server the update went to.
 * - `servers`: exactly these (`IP`, `IP:port`, `host`).
 * - `none`: do not wait (the provider is known to be synchronous, or the caller waits itself).
 */
export type RecordVisibility =
  | { check: 'authoritative'; resolver?: string; nameserverPort?: number }
  | { check: 'servers'; servers: readonly string[] }
  | { check: 'none' };

export interface Dns01ProviderOptions {
  visibility?: RecordVisibility;
  /** How long a record may take to show at every server checked; 120 s by default. */
  visibilityTimeoutMs?: number;
  /** Between two checks; 1 s by default. */
  visibilityIntervalMs?: number;
  /** Per DNS message or HTTP request; 10 s by default. */
  requestTimeoutMs?: number;
  /** The clock (TSIG's time signed). */
  now?: () => number;
}

export interface ProviderContext {
  visibility: RecordVisibility;
  visibilityTimeoutMs: number;
  visibilityIntervalMs: number;
  requestTimeoutMs: number;
  now: () => number;
}

export const toProviderContext = (options: Dns01ProviderOptions = {}): ProviderContext => ({
  visibility: options.visibility ?? { check: 'authoritative' },
  visibilityTimeoutMs: options.visibilityTimeoutMs ?? 120_000,
  visibilityIntervalMs: options.visibilityIntervalMs ?? 1000,
  requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
  now: options.now ?? Date.now,
});
