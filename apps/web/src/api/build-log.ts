import { ApiError, parseProblem } from '../problems/problem.js';
import type { ApiClient } from './client.js';
import { fieldsOf, isFields, oneOf, text, whole } from './line-checks.js';
import { readNdjson } from './ndjson.js';
import type { BuildLogEntry, BuildStatus } from './paths.js';

/**
 * streamBuildLog (`GET /apps/{app}/builds/{number}/logs`): a build's log lines as NDJSON, then
 * one end line with the build once it is over. With `follow` the answer stays open and berthd
 * sends each line as the build writes it; without it, what exists (and the end line if over).
 */

/** What the page uses of the end line's build: only this much is checked, and typed. */
export interface EndedBuild {
  number: number;
  status: BuildStatus;
  /** Why it failed, as a person reads it; null when it did not. */
  error: string | null;
}

export type BuildLogLine = { type: 'line'; line: BuildLogEntry } | { type: 'end'; build: EndedBuild };

const STATUSES: readonly BuildStatus[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'ignored'];

function checkEnded(value: unknown): EndedBuild {
  const fields = fieldsOf(value, 'build');
  const error = fields.error;
  if (error !== null && !isFields(error)) throw new Error('error is missing or of the wrong type');
  return {
    number: whole(fields, 'number', 1),
    status: oneOf(fields, 'status', STATUSES),
    error: error === null ? null : text(error, 'message'),
  };
}

/** One parsed line of the stream, checked: its typed form, or a throw saying what is wrong. */
export function checkBuildLogLine(value: unknown): BuildLogLine {
  const fields = fieldsOf(value, 'line');
  switch (fields.type) {
    case 'line': {
      const line = fieldsOf(fields.line, 'line');
      return {
        type: 'line',
        line: { seq: whole(line, 'seq', 0), at: text(line, 'at'), line: text(line, 'line') },
      };
    }
    case 'end':
      return { type: 'end', build: checkEnded(fields.build) };
    default:
      throw new Error('type is neither "line" nor "end"');
  }
}

export interface OpenBuildLogOptions {
  /** Keep the answer open for the lines still to come (a build under way). */
  follow: boolean;
  /** Only the lines after this sequence number (the last one seen, on a reconnect); 0 for all. */
  after: number;
  signal: AbortSignal;
}

/**
 * Opens the stream: its checked lines, or an ApiError when berthd refused it (401, 403 without
 * logs permission, 404, 429 with too many streams open). A lost connection rejects with fetch's
 * TypeError, an abort with the signal's reason; an invalid line with an NdjsonError.
 */
export async function openBuildLog(
  client: ApiClient,
  app: string,
  number: number,
  { follow, after, signal }: OpenBuildLogOptions,
): Promise<AsyncIterable<BuildLogLine>> {
  const { response, error } = await client.GET('/apps/{app}/builds/{number}/logs', {
    params: {
      path: { app, number: String(number) },
      query: { follow: follow ? 'true' : 'false', ...(after > 0 ? { after } : {}) },
    },
    headers: { accept: 'application/x-ndjson, application/problem+json' },
    parseAs: 'stream',
    signal,
  });
  if (!response.ok) throw new ApiError(response.status, parseProblem(error));
  return readNdjson(response, checkBuildLogLine, signal);
}
