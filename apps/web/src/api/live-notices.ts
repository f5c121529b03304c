import type { operations } from './schema.js';

/**
 * What berthd's event stream (`GET /events`) says, and which of the page's queries each message
 * concerns. Pure: the connection is api/event-stream.ts, the React side api/use-live-updates.ts.
 */

/** One message of the stream: `ready`, a notice of a change, or `end`. */
export type EventMessage = operations['streamEvents']['responses'][200]['content']['text/event-stream'];
export type Notice = Exclude<EventMessage, { kind: 'ready' } | { kind: 'end' }>;
export type EndReason = Extract<EventMessage, { kind: 'end' }>['reason'];

type Fields = Record<string, unknown>;

const isFields = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const text = (fields: Fields, key: string): string | null => {
  const value = fields[key];
  return typeof value === 'string' && value !== '' ? value : null;
};

const whole = (fields: Fields, key: string): number | null => {
  const value = fields[key];
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : null;
};

const END_REASONS: readonly EndReason[] = ['unauthenticated', 'forbidden', 'shutdown'];

/**
 * The message a `data:` field carries, checked; null for one this dashboard does not know (a
 * newer berthd's kind, or a broken one): it is left out, and the safety refetch covers it.
 */
export function parseEventMessage(data: string): EventMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (!isFields(value)) return null;
  const app = text(value, 'app');
  switch (value.kind) {
    case 'ready': {
      const team = text(value, 'team');
      return team === null ? null : { kind: 'ready', team };
    }
    case 'end': {
      const reason = END_REASONS.find((r) => r === value.reason);
      return reason === undefined ? null : { kind: 'end', reason };
    }
    case 'audit':
      return { kind: 'audit' };
    case 'app':
    case 'replicas':
      return app === null ? null : { kind: value.kind, app };
    case 'deployment': {
      const deployment = text(value, 'deployment');
      return app === null || deployment === null ? null : { kind: 'deployment', app, deployment };
    }
    case 'build':
    case 'build-log': {
      const build = text(value, 'build');
      const number = whole(value, 'number');
      return app === null || build === null || number === null
        ? null
        : { kind: value.kind, app, build, number };
    }
    default:
      return null;
  }
}

/**
 * Queries read once a page and never again by themselves (an app's webhook and its secret):
 * neither a notice nor a reconnect reads them again.
 */
export const isReadOnce = (key: readonly unknown[]): boolean => key[0] === 'apps' && key[2] === 'webhook';

const startsWith = (key: readonly unknown[], prefix: readonly unknown[]): boolean =>
  prefix.every((part, i) => key[i] === part);

/** The apps list, or the app's own view (`['apps']`, `['apps', app]`: api/queries.ts). */
const isListOrApp = (key: readonly unknown[], app: string): boolean =>
  (key.length === 1 && key[0] === 'apps') || (key.length === 2 && startsWith(key, ['apps', app]));

/**
 * The first words of the keys an audited change may make stale: the audit log, and what a team
 * page lists (members, invitations, projects, tokens, teams) and the user's own roles (`me`).
 * Every change of those is audited, so the audit notice is the one that says so.
 */
const AUDITED: readonly (readonly unknown[])[] = [
  ['audit', 'rows'],
  ['users'],
  ['invitations'],
  ['my-invitations'],
  ['projects'],
  ['tokens'],
  ['teams'],
  ['me'],
];

/**
 * Whether a query (by its key, as api/queries.ts, team-queries.ts and audit-queries.ts make
 * them) shows something the notice says changed, and so is to be read again.
 */
export function concerns(notice: Notice, key: readonly unknown[]): boolean {
  if (isReadOnce(key)) return false;
  switch (notice.kind) {
    case 'app':
      // The app itself, or its releases, secrets or domains: everything of it, and the list.
      return (key.length === 1 && key[0] === 'apps') || startsWith(key, ['apps', notice.app]);
    case 'deployment':
      // The app's status and newest deployment come with it (the list shows them too).
      return isListOrApp(key, notice.app) || startsWith(key, ['apps', notice.app, 'deployments']);
    case 'replicas':
      return isListOrApp(key, notice.app);
    case 'build':
      return startsWith(key, ['apps', notice.app, 'builds']);
    case 'build-log':
      // Only what is about that one build (the list does not change with its lines).
      return key.length > 3 && startsWith(key, ['apps', notice.app, 'builds', notice.number]);
    case 'audit':
      return AUDITED.some((prefix) => startsWith(key, prefix));
  }
}

/** The waits before opening a dropped stream again: 1 s, doubling to 30 s, with jitter. */
export const RECONNECT_MS = { first: 1_000, max: 30_000 } as const;

/**
 * How long to wait before the `failures`+1-th attempt: between half and all of 1 s·2^failures
 * (at most 30 s), so the tabs of a restarted berthd do not all come back at once.
 */
export function reconnectDelay(failures: number, random: () => number = Math.random): number {
  const ceiling = Math.min(RECONNECT_MS.first * 2 ** Math.max(0, failures), RECONNECT_MS.max);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** The stream's address for a team (berthd's default, the caller's own team, without one). */
export const eventStreamPath = (apiPrefix: string, team: string | null): string =>
  team === null ? `${apiPrefix}/events` : `${apiPrefix}/events?team=${encodeURIComponent(team)}`;
