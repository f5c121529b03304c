import { ApiError, parseProblem } from '../problems/problem.js';
import type { ApiClient } from './client.js';
import { fieldsOf, oneOf, text } from './line-checks.js';
import { readNdjson } from './ndjson.js';
import type { AppLogLine } from './paths.js';

/**
 * streamLogs (`GET /apps/{app}/logs`): the log lines of every replica of an app as NDJSON, the
 * last ones of each first (merged by time), then, with `follow`, each new line as it is written,
 * replicas that start later included. berthd ends a follow only when it restarts or drops a
 * reader that fell behind: the caller opens it again (see apps/log-follow.ts).
 */

const STREAMS: readonly AppLogLine['stream'][] = ['stdout', 'stderr', 'berth'];

/** One parsed line of the stream, checked: its typed form, or a throw saying what is wrong. */
export function checkLogLine(value: unknown): AppLogLine {
  const fields = fieldsOf(value, 'line');
  return {
    at: text(fields, 'at'),
    replica: text(fields, 'replica'),
    stream: oneOf(fields, 'stream', STREAMS),
    line: text(fields, 'line'),
  };
}

export interface OpenLogsOptions {
  /** Keep the answer open and send each new line (it starts with the next line written). */
  follow: boolean;
  /** Lines from then on (an RFC 3339 time: where the last answer left off), else the last ones. */
  since: string | null;
  /** Lines of history per replica when there is no `since`. */
  tail: number;
  /** false: leave out the lines recognised as Berth's health probes (and their requests). */
  health: boolean;
  signal: AbortSignal;
}

/**
 * Opens the stream: its checked lines, or an ApiError when berthd refused it (401, 403
 * without logs permission, 404, 429 with too many streams open, 503 without an agent). A lost
 * connection rejects with fetch's TypeError, an abort with the signal's reason.
 */
export async function openAppLogs(
  client: ApiClient,
  app: string,
  { follow, since, tail, health, signal }: OpenLogsOptions,
): Promise<AsyncIterable<AppLogLine>> {
  const { response, error } = await client.GET('/apps/{app}/logs', {
    params: {
      path: { app },
      query: {
        follow: follow ? 'true' : 'false',
        ...(since === null ? { tail } : { since }),
        ...(health ? {} : { health: 'false' }),
      },
    },
    headers: { accept: 'application/x-ndjson, application/problem+json' },
    parseAs: 'stream',
    signal,
  });
  if (!response.ok) throw new ApiError(response.status, parseProblem(error));
  return readNdjson(response, checkLogLine, signal);
}
