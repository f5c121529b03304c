import type { ErrorCode, FieldIssue } from '@berth/protocol';

/**
 * What a call to berthd failed with: the problem berthd answered, or, with status 0, that it
 * could not be reached (UNREACHABLE) or not safely — its certificate did not verify against the
 * pinned CA or the system's CAs, or the URL would send credentials in the clear (UNTRUSTED).
 */
/**
 * Why a request got no answer (code UNREACHABLE): `refused` never reached berthd (nothing
 * listens: it is down or restarting); `lost` may have reached it and lost the answer (the
 * connection reset or closed, or timed out), so a retry must carry an Idempotency-Key.
 */
export type ConnectionFailure = 'refused' | 'lost';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'UNREACHABLE' | 'UNTRUSTED',
    message: string,
    readonly hint: string | undefined,
    readonly issues: FieldIssue[],
    readonly requestId: string | undefined,
    readonly connection: ConnectionFailure | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}
