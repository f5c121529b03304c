import { ApiError, parseProblem } from '../problems/problem.js';
import type { ApiClient } from './client.js';
import { readNdjson } from './ndjson.js';
import type { DeploymentEvent, DeploymentStreamLine } from './paths.js';

/**
 * streamDeploymentEvents (`GET /deployments/{id}/events`): a deployment's steps as NDJSON, then
 * one end line with the deployment once it is over. With `follow` the answer stays open and
 * berthd sends each step as it commits; without it, what exists (and the end line if it is over).
 */

type EndLine = Extract<DeploymentStreamLine, { type: 'end' }>;

/** What the page uses of the end line's deployment: only this much is checked, and typed. */
export type EndedDeployment = Pick<
  EndLine['deployment'],
  'id' | 'appName' | 'releaseVersion' | 'status' | 'createdAt' | 'startedAt' | 'finishedAt'
>;

/** A checked line of the stream (the generated schema's line, narrowed to what was checked). */
export type DeploymentLine =
  { type: 'event'; event: DeploymentEvent } | { type: 'end'; deployment: EndedDeployment };

// Keyed by the generated types' unions, so a level or status added to the spec fails to compile
// here instead of being refused at run time.
const LEVELS = Object.keys({ info: true, warn: true, error: true } satisfies Record<
  DeploymentEvent['level'],
  true
>) as DeploymentEvent['level'][];
const STATUSES = Object.keys({
  queued: true,
  preparing: true,
  rolling_out: true,
  succeeded: true,
  failed: true,
  ignored: true,
} satisfies Record<EndedDeployment['status'], true>) as EndedDeployment['status'][];

type Fields = Record<string, unknown>;

const isFields = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const wrong = (key: string): Error => new Error(`${key} is missing or of the wrong type`);

function text(fields: Fields, key: string): string {
  const value = fields[key];
  if (typeof value !== 'string') throw wrong(key);
  return value;
}

function textOrNull(fields: Fields, key: string): string | null {
  const value = fields[key];
  if (value !== null && typeof value !== 'string') throw wrong(key);
  return value;
}

function whole(fields: Fields, key: string, min: number): number {
  const value = fields[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) throw wrong(key);
  return value;
}

function oneOf<T extends string>(fields: Fields, key: string, allowed: readonly T[]): T {
  const value = fields[key];
  const found = allowed.find((a) => a === value);
  if (found === undefined) throw wrong(key);
  return found;
}

function checkEvent(value: unknown): DeploymentEvent {
  if (!isFields(value)) throw wrong('event');
  return {
    seq: whole(value, 'seq', 0),
    at: text(value, 'at'),
    level: oneOf(value, 'level', LEVELS),
    message: text(value, 'message'),
  };
}

function checkEnded(value: unknown): EndedDeployment {
  if (!isFields(value)) throw wrong('deployment');
  return {
    id: text(value, 'id'),
    appName: text(value, 'appName'),
    releaseVersion: whole(value, 'releaseVersion', 0),
    status: oneOf(value, 'status', STATUSES),
    createdAt: text(value, 'createdAt'),
    startedAt: textOrNull(value, 'startedAt'),
    finishedAt: textOrNull(value, 'finishedAt'),
  };
}

/** One parsed line of the stream, checked: its typed form, or a throw saying what is wrong. */
export function checkDeploymentLine(value: unknown): DeploymentLine {
  if (!isFields(value)) throw new Error('not an object');
  switch (value.type) {
    case 'event':
      return { type: 'event', event: checkEvent(value.event) };
    case 'end':
      return { type: 'end', deployment: checkEnded(value.deployment) };
    default:
      throw new Error('type is neither "event" nor "end"');
  }
}

export interface OpenOptions {
  /** Keep the answer open for the steps still to come (a running deployment). */
  follow: boolean;
  /** Only the steps after this sequence number (the last one seen, on a reconnect); 0 for all. */
  after: number;
  signal: AbortSignal;
}

/**
 * Opens the stream: its checked lines, or an ApiError when berthd refused it (401, 404, 429 with
 * too many streams open, a 5xx). A lost connection rejects with fetch's TypeError, an abort with
 * the signal's reason; an invalid line with an NdjsonError.
 */
export async function openDeploymentEvents(
  client: ApiClient,
  id: string,
  { follow, after, signal }: OpenOptions,
): Promise<AsyncIterable<DeploymentLine>> {
  const { response, error } = await client.GET('/deployments/{id}/events', {
    params: { path: { id }, query: { follow: follow ? 'true' : 'false', ...(after > 0 ? { after } : {}) } },
    headers: { accept: 'application/x-ndjson, application/problem+json' },
    parseAs: 'stream',
    signal,
  });
  if (!response.ok) throw new ApiError(response.status, parseProblem(error));
  return readNdjson(response, checkDeploymentLine, signal);
}
