import type { ErrorCode, FieldIssue } from '@berth/protocol';

/**
 * What a call to berthd failed with: the problem berthd answered, or, with status 0, that it
 * could not be reached (UNREACHABLE) or not safely — its certificate did not verify against the
 * pinned CA or the system's CAs, or the URL would send credentials in the clear (UNTRUSTED).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'UNREACHABLE' | 'UNTRUSTED',
    message: string,
    readonly hint: string | undefined,
    readonly issues: FieldIssue[],
    readonly requestId: string | undefined,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}
