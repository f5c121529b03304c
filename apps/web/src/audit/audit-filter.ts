import type { AuditQuery } from '../api/paths.js';

/**
 * What the audit page narrows the log to. It lives in the page's address (`/audit?action=…`), so
 * a filtered view survives a reload and can be sent to someone; an empty string is "any".
 */
export interface AuditFilter {
  /** An actor's name (an email, an API token's name) or id, exactly. */
  actor: string;
  /** An action (`user.grant`) or a kind of action (`user.*`). */
  action: string;
  /** A target, exactly (`app:web`). */
  target: string;
  outcome: AuditOutcome | '';
  /** An instant as ISO 8601 in UTC (`2030-01-02T03:04:00.000Z`): the address means one time in every zone. */
  since: string;
  until: string;
}

export type AuditOutcome = NonNullable<AuditQuery['outcome']>;
export const OUTCOMES: readonly AuditOutcome[] = ['ok', 'denied', 'failed'];

export const NO_FILTER: AuditFilter = {
  actor: '',
  action: '',
  target: '',
  outcome: '',
  since: '',
  until: '',
};

/** The parts in the order the address spells them. */
const KEYS = ['actor', 'action', 'target', 'outcome', 'since', 'until'] as const;

/** berthd's limits (packages/protocol AuditQuery): a longer value could never match. */
const MAX_LENGTH: Readonly<Record<'actor' | 'action' | 'target', number>> = {
  actor: 254,
  action: 64,
  target: 300,
};

/** An action, or a kind of action ending in `.*` (berthd's pattern). */
const ACTION = /^[a-z][a-z0-9-]*(?:\.[a-z][a-z0-9-]*)*(?:\.\*)?$/;
export const ACTION_RULE = 'An action like user.grant, or every action of a kind: user.*';

const UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d{1,3})?)?Z$/;

const isOutcome = (value: string): value is AuditOutcome => OUTCOMES.some((o) => o === value);

/** An instant from the address, in one spelling; '' for anything that is not one. */
function instant(value: string | null): string {
  if (value === null || !UTC.test(value)) return '';
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return '';
  const iso = new Date(ms).toISOString();
  // Date.parse rolls an impossible day (February 31st) over into the next month.
  return iso.slice(0, 10) === value.slice(0, 10) ? iso : '';
}

const text = (value: string | null, max: number): string => {
  const trimmed = (value ?? '').trim();
  return trimmed.length <= max ? trimmed : '';
};

/**
 * The filter an address's query names. What is not a valid value (an unknown outcome, a time
 * that is no instant, a malformed action) is left out rather than sent: a hand-edited address
 * shows the unfiltered part of the log, never an error page.
 */
export function parseAuditFilter(query: URLSearchParams): AuditFilter {
  const action = text(query.get('action'), MAX_LENGTH.action);
  const outcome = query.get('outcome') ?? '';
  return {
    actor: text(query.get('actor'), MAX_LENGTH.actor),
    action: ACTION.test(action) ? action : '',
    target: text(query.get('target'), MAX_LENGTH.target),
    outcome: isOutcome(outcome) ? outcome : '',
    since: instant(query.get('since')),
    until: instant(query.get('until')),
  };
}

/** The query string of the page's address for a filter, without `?`; '' for no filter. */
export function auditSearch(filter: AuditFilter): string {
  const query = new URLSearchParams();
  for (const key of KEYS) if (filter[key] !== '') query.set(key, filter[key]);
  return query.toString();
}

export const isFiltered = (filter: AuditFilter): boolean => KEYS.some((key) => filter[key] !== '');

/** The filter as listAudit's query parameters: only the parts given. */
export function toAuditQuery(filter: AuditFilter): AuditQuery {
  const query: AuditQuery = {};
  if (filter.actor !== '') query.actor = filter.actor;
  if (filter.action !== '') query.action = filter.action;
  if (filter.target !== '') query.target = filter.target;
  if (filter.outcome !== '') query.outcome = filter.outcome;
  if (filter.since !== '') query.since = filter.since;
  if (filter.until !== '') query.until = filter.until;
  return query;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** An instant as a `datetime-local` field shows it: the browser's own zone, to the minute. */
export function toLocalInput(iso: string): string {
  const date = new Date(iso);
  if (iso === '' || Number.isNaN(date.getTime())) return '';
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

const LOCAL = /^\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d{1,3})?)?$/;

/** A `datetime-local` field's value (the browser's zone) as an instant; '' when empty or not a time. */
export function fromLocalInput(value: string): string {
  // Without an offset, a date-time string is local time (ECMA-262 Date.parse).
  if (!LOCAL.test(value)) return '';
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? '' : new Date(ms).toISOString();
}

/** What the form's values would send that berthd would refuse, by field; empty when nothing. */
export function filterErrors(filter: AuditFilter): Partial<Record<keyof AuditFilter, string>> {
  const errors: Partial<Record<keyof AuditFilter, string>> = {};
  if (filter.action !== '' && !ACTION.test(filter.action)) errors.action = `Not an action. ${ACTION_RULE}.`;
  for (const key of ['actor', 'target'] as const) {
    if (filter[key].length > MAX_LENGTH[key]) errors[key] = `At most ${MAX_LENGTH[key]} characters.`;
  }
  if (filter.since !== '' && filter.until !== '' && Date.parse(filter.since) >= Date.parse(filter.until)) {
    errors.until = 'The end must be after the start.';
  }
  return errors;
}
