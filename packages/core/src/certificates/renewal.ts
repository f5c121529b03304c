/**
 * When Berth renews a certificate, and how long it waits after a failed attempt. Pure: the
 * caller passes the certificate's dates, the attempt number and the randomness.
 *
 * Renewal starts two thirds into the lifetime (Let's Encrypt's advice: day 60 of 90), which
 * leaves a third of the lifetime — ten days of a 90-day certificate, two of a 6-day one — for
 * retries before anything expires. Retries back off from 10 minutes, doubling, up to 12 hours:
 * the earliest five attempts (the first and four retries) span over an hour even with the
 * shortest jitter, under Let's Encrypt's limit of five failed validations per name per hour, so
 * a broken name never loops against the CA.
 */
import { backoffDelayMs, type BackoffPolicy } from '../backoff.js';

export const RENEWAL_RETRY: BackoffPolicy = { firstMs: 10 * 60_000, maxMs: 12 * 3_600_000 };

/**
 * Two thirds of the way from notBefore to notAfter, in epoch ms like every time in core (at
 * notBefore for a lifetime of zero or less).
 */
export function renewAt(notBeforeMs: number, notAfterMs: number): number {
  const lifetime = Math.max(0, notAfterMs - notBeforeMs);
  return notBeforeMs + Math.floor((lifetime * 2) / 3);
}

export interface RetryDelayOptions {
  policy?: BackoffPolicy;
  /** The CA's Retry-After (a rate limit), in ms: never retried sooner. */
  retryAfterMs?: number;
}

/**
 * The wait before the next attempt after `attempt` failures in a row (1 = the first failure).
 * `jitter` in [0, 1] (the caller's random draw) spreads the upper half of the backoff, so names
 * that failed together (a CA outage) do not return together; the wait is never below half the
 * backoff nor above the cap, and never shorter than the CA's Retry-After.
 */
export function retryDelay(attempt: number, jitter: number, options: RetryDelayOptions = {}): number {
  const backoff = backoffDelayMs(attempt, options.policy ?? RENEWAL_RETRY);
  const spread = Number.isFinite(jitter) ? Math.min(1, Math.max(0, jitter)) : 0;
  const delay = Math.round(backoff / 2 + (backoff / 2) * spread);
  const retryAfter =
    options.retryAfterMs !== undefined && Number.isFinite(options.retryAfterMs) ? options.retryAfterMs : 0;
  return Math.max(delay, retryAfter);
}
