/**
 * What Podman's push and pull report. Both answer 200 at once and then stream newline-delimited
 * JSON: `{"stream": …}` lines, `{"error": …}` when the transfer fails, a pull's final
 * `{"images": [...], "id": …}`, and from Podman 4.4 a push's `{"manifestdigest": …}` (4.3 does
 * not send it, so Berth reads the digest back from the registry instead).
 */
import { BerthError } from '@berth/protocol';
import { asRecord, asString } from './engine-json.js';
import type { RegistryCredentials } from './types.js';

export interface TransferReport {
  /** The first error the engine reported, or null. */
  error: string | null;
  /** A pull's image id (64 hex digits, no prefix), when the engine said it. */
  imageId: string | null;
  manifestDigest: string | null;
}

/**
 * Calls `take` with each JSON object of a newline-delimited JSON stream, to its end; lines that
 * are blank or not JSON are skipped (the engine's progress is advice, its errors are objects).
 */
export async function forEachJsonLine(
  stream: AsyncIterable<Buffer>,
  take: (event: Record<string, unknown>) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let pending = '';
  const line = (text: string): void => {
    if (text.trim() === '') return;
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch {
      return;
    }
    take(asRecord(event));
  };
  for await (const chunk of stream) {
    pending += decoder.decode(chunk, { stream: true });
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    lines.forEach(line);
  }
  line(pending + decoder.decode());
}

export async function readTransferProgress(stream: AsyncIterable<Buffer>): Promise<TransferReport> {
  const report: TransferReport = { error: null, imageId: null, manifestDigest: null };
  await forEachJsonLine(stream, (event) => {
    const error = asString(event.error) || asString(asRecord(event.errorDetail).message);
    if (error !== '' && report.error === null) report.error = error;
    if (asString(event.id) !== '') report.imageId = asString(event.id);
    if (asString(event.manifestdigest) !== '') report.manifestDigest = asString(event.manifestdigest);
  });
  return report;
}

/**
 * `X-Registry-Auth`: base64url of `{"username", "password"}` with padding, as Docker's CLI sends
 * it and Podman decodes it (Go's base64.URLEncoding, which requires the padding).
 */
export const toRegistryAuthHeader = (credentials: RegistryCredentials): string =>
  Buffer.from(JSON.stringify({ username: credentials.username, password: credentials.password }))
    .toString('base64')
    .replace(/\+/g, '-')
    .replace(/\//g, '_');

const AUTH_REFUSED = [/unauthorized/i, /authentication required/i, /invalid username\/password/i];

/** A registry that refused the login reads as REGISTRY_AUTH_FAILED, whichever way the engine words it. */
export function isAuthRefusal(engineMessage: string): boolean {
  return AUTH_REFUSED.some((p) => p.test(engineMessage));
}

export function toAuthError(what: string, registry: string, engineMessage: string): BerthError {
  return new BerthError(
    'REGISTRY_AUTH_FAILED',
    `${what}: the registry at ${registry} refused the login (${engineMessage})`,
    {
      hint: "Check this server's registry user and password (they must match the registry's htpasswd file); a password changed on one side only is the usual cause.",
    },
  );
}
