/**
 * S3 failures as the BerthErrors a user reads in `backups list`: the target, the key, and S3's
 * own error code and message (SignatureDoesNotMatch, NoSuchBucket…), or the network's
 * (ECONNREFUSED, a timeout). Whether retrying can help decides the code: credentials, a missing
 * bucket or a refused request need the target fixed (BACKUP_TARGET_REFUSED); timeouts, 5xx
 * and throttling may pass (BACKUP_TARGET_FAILED).
 */
import { S3ServiceException } from '@aws-sdk/client-s3';
import { BerthError } from '@berth/protocol';

const NOT_FOUND = new Set(['NoSuchKey', 'NotFound']);
const TRANSIENT_STATUS = new Set([408, 429]);

const errnoOf = (e: unknown): string | undefined =>
  e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : undefined;

/** `SignatureDoesNotMatch: The request signature… (HTTP 403)`, or the network error's code and message. */
function reasonOf(e: unknown): string {
  if (e instanceof S3ServiceException) {
    const status = e.$metadata.httpStatusCode;
    const message = e.message && e.message !== e.name && e.message !== 'UnknownError' ? `: ${e.message}` : '';
    return `${e.name}${message}${status === undefined ? '' : ` (HTTP ${status})`}`;
  }
  if (e instanceof Error) {
    const code = errnoOf(e);
    if (e.name === 'TimeoutError') return `timed out: ${e.message}`;
    if (e.name === 'AggregateError' && 'errors' in e && Array.isArray(e.errors)) {
      // Node's happy-eyeballs connect reports one error per address tried.
      return [...new Set(e.errors.map((inner) => reasonOf(inner)))].join('; ');
    }
    return code !== undefined && !e.message.includes(code) ? `${code}: ${e.message}` : e.message;
  }
  return String(e);
}

export function toS3Error(description: string, action: string, key: string, e: unknown): BerthError {
  if (e instanceof BerthError) return e;
  const reason = reasonOf(e);
  const message = `${description}: cannot ${action} ${key}: ${reason}`;
  if (e instanceof S3ServiceException) {
    const status = e.$metadata.httpStatusCode ?? 0;
    if (action === 'read' && (NOT_FOUND.has(e.name) || status === 404)) {
      return new BerthError('BACKUP_OBJECT_NOT_FOUND', `${description} has no object ${key}`, { cause: e });
    }
    if (status >= 400 && status < 500 && !TRANSIENT_STATUS.has(status) && e.name !== 'SlowDown') {
      return new BerthError('BACKUP_TARGET_REFUSED', message, {
        cause: e,
        hint: 'check the endpoint, bucket, region and credentials of the target (berth backups targets)',
      });
    }
  }
  return new BerthError('BACKUP_TARGET_FAILED', message, {
    cause: e,
    hint: 'the target could not be reached or failed; the backup is retried',
  });
}
