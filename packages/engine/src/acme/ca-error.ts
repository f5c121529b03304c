/**
 * The error the issuer throws when the CA refused or failed a call: a BerthError like any other
 * (ACME_ACCOUNT_FAILED, ACME_ORDER_FAILED), plus how long the CA asked Berth to wait before the
 * next attempt (its Retry-After). BerthError has no open-ended details, so the wait is a typed
 * field of this subclass; callers read it through `acmeRetryAfterMs`, never by shape.
 */
import { BerthError, type BerthErrorOptions } from '@berth/protocol';

export type AcmeCaErrorCode = 'ACME_ACCOUNT_FAILED' | 'ACME_ORDER_FAILED';

export interface AcmeCaErrorOptions extends BerthErrorOptions {
  /** The CA's Retry-After in ms (0: now), when it sent one. */
  retryAfterMs?: number | undefined;
}

export class AcmeCaError extends BerthError {
  readonly retryAfterMs: number | undefined;
  constructor(code: AcmeCaErrorCode, message: string, options: AcmeCaErrorOptions = {}) {
    const { retryAfterMs, ...rest } = options;
    super(code, message, {
      ...rest,
      logs: [
        ...(rest.logs ?? []),
        ...(retryAfterMs !== undefined
          ? [`the CA asked to wait ${waitText(retryAfterMs)} before the next attempt`]
          : []),
      ],
    });
    this.retryAfterMs = retryAfterMs;
  }
}

/** How many causes deep a wrapped issuer error is still found. */
const MAX_CAUSES = 8;

/**
 * The CA's Retry-After, in ms, behind an error of the ACME issuer (also when wrapped, through
 * `cause`); undefined when the CA sent none or the error is not the issuer's. The next attempt
 * must not come sooner: pass it to core's `retryDelay(attempt, jitter, { retryAfterMs })`.
 */
export function acmeRetryAfterMs(err: unknown): number | undefined {
  let e = err;
  for (let depth = 0; depth < MAX_CAUSES && e instanceof Error; depth++, e = e.cause)
    if (e instanceof AcmeCaError && e.retryAfterMs !== undefined) return e.retryAfterMs;
  return undefined;
}

function waitText(ms: number): string {
  const s = Math.ceil(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.ceil(s / 60)} min`;
  return `${Math.round((s / 3600) * 10) / 10} h`;
}
