import { z } from 'zod';
import { AppName, Id, TeamName } from './names.js';

/**
 * The event stream (`GET /events`, text/event-stream): what changed in one team, by kind and
 * name, never the data itself. A client reads what a notice concerns through the API, whose
 * access checks decide what it sees.
 */

export const EventStreamQuery = z
  .object({
    team: TeamName.optional().describe(
      "The team whose changes to stream (default: the caller's own: a token's team, a user's default or first)",
    ),
    follow: z
      .enum(['true', 'false', '1', '0'])
      .optional()
      .describe('false: answer the ready message and end (default: stay open for notices)'),
  })
  .strict();
export type EventStreamQuery = z.infer<typeof EventStreamQuery>;

/** One change: which thing of the team to read again. */
export const LiveNotice = z.discriminatedUnion('kind', [
  z
    .object({ kind: z.literal('app'), app: AppName })
    .describe('The app was created, changed or deleted, or its releases, secrets or domains changed'),
  z
    .object({ kind: z.literal('deployment'), app: AppName, deployment: Id })
    .describe('A deployment of the app was created or changed, or got a step'),
  z
    .object({ kind: z.literal('build'), app: AppName, build: Id, number: z.number().int().min(1) })
    .describe('A build of the app was created or changed'),
  z
    .object({ kind: z.literal('build-log'), app: AppName, build: Id, number: z.number().int().min(1) })
    .describe('A build of the app logged more lines'),
  z
    .object({ kind: z.literal('replicas'), app: AppName })
    .describe("The app's replicas changed as its servers report them (started, healthy, gone)"),
  z
    .object({ kind: z.literal('audit') })
    .describe("A row was added to the team's audit log (or, told to installation owners, one of no team)"),
]);
export type LiveNotice = z.infer<typeof LiveNotice>;

/** Why berthd ended a stream: the client should not simply reconnect after the first two. */
export const EventStreamEndReason = z.enum(['unauthenticated', 'forbidden', 'shutdown']);
export type EventStreamEndReason = z.infer<typeof EventStreamEndReason>;

/** The `data` of each message: `ready` first, then notices, and `end` when berthd ends it. */
export const EventStreamMessage = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ready'), team: TeamName }).describe('Streaming this team from now on'),
  ...LiveNotice.options,
  z
    .object({ kind: z.literal('end'), reason: EventStreamEndReason })
    .describe(
      'unauthenticated: the session or token ended; forbidden: no longer allowed in the team; shutdown: berthd is stopping',
    ),
]);
export type EventStreamMessage = z.infer<typeof EventStreamMessage>;
