/**
 * Cron schedules: parsing with reasons a person can act on, and the times a schedule fires.
 * Pure: croner only computes dates here (it starts a timer only when given a function to run,
 * which this module never does), so core stays free of I/O and clocks.
 */
import { Cron } from 'croner';

export interface Schedule {
  /** The expression as stored: a nickname in lowercase, or the fields joined by single spaces. */
  readonly expression: string;
  /** The IANA time zone the fields are read in, canonical (`Europe/Berlin`), `UTC` by default. */
  readonly timeZone: string;
  /** True for 6 fields (a leading seconds field): a caller may reserve those for tests or owners. */
  readonly hasSeconds: boolean;
}

export type ParsedSchedule = { ok: true; schedule: Schedule } | { ok: false; reason: string };

/** Longer than any sensible schedule, short enough that nothing absurd reaches the parser. */
export const MAX_SCHEDULE_LENGTH = 100;
/** The most times nextRuns returns at once (each costs a walk through the calendar). */
export const MAX_NEXT_RUNS = 1000;

const NICKNAMES = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
// Digits, month and weekday names, and `* , - / ?` plus croner's `L W #`: nothing else reaches croner
// (no `+`, no `:` which croner would read as a one-off date, no tabs or newlines).
const FIELDS_CHARSET = /^[0-9A-Za-z*,/?#-]+(?: +[0-9A-Za-z*,/?#-]+)*$/;
const TIME_ZONE_CHARSET = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+){0,2}$/;
const FIELD_HELP = 'minute hour day-of-month month day-of-week, or 6 with a leading seconds field';

// The croner object behind each schedule: kept out of the public type so callers never depend on it.
const crons = new WeakMap<Schedule, Cron>();

/**
 * Parses a cron expression (5 fields, 6 with seconds first, or a nickname such as `@daily`) in a
 * time zone (IANA name, default UTC). Day-of-month and day-of-week combine with OR, as in Vixie
 * cron: `0 0 13 * 5` fires on every 13th and every Friday.
 */
export function parseSchedule(expr: string, tz?: string): ParsedSchedule {
  const zone = parseTimeZone(tz ?? 'UTC');
  if (!zone.ok) return zone;
  const trimmed = expr.trim();
  if (trimmed === '')
    return fail(`the schedule is empty: give 5 fields (${FIELD_HELP}) or a nickname such as @daily`);
  if (trimmed.length > MAX_SCHEDULE_LENGTH)
    return fail(
      `the schedule is ${trimmed.length} characters long; at most ${MAX_SCHEDULE_LENGTH} are accepted`,
    );

  let expression: string;
  if (trimmed.startsWith('@')) {
    const name = trimmed.toLowerCase();
    if (name === '@reboot')
      return fail(
        '@reboot is not supported: Berth runs jobs by the clock, not when a server starts; use a time such as @daily',
      );
    if (!NICKNAMES.includes(name))
      return fail(`unknown nickname ${quote(trimmed)}: use one of ${NICKNAMES.join(', ')}`);
    expression = name;
  } else {
    if (!FIELDS_CHARSET.test(trimmed))
      return fail(
        `${quote(trimmed)} contains characters a schedule cannot have: use digits, month or weekday names, * , - / ? L W # and single spaces`,
      );
    const fields = trimmed.split(/ +/);
    if (fields.length !== 5 && fields.length !== 6)
      return fail(`${quote(trimmed)} has ${fields.length} fields; a schedule has 5 (${FIELD_HELP})`);
    expression = fields.join(' ');
  }

  let cron: Cron;
  try {
    // no-wildcard: times without `*` or a step (`30 2,14 * * *` too, not only `30 2 * * *`) keep
    // their once-a-day meaning across DST, as in Vixie cron; croner's default would skip 02:30
    // in the spring gap and run it twice in autumn.
    cron = new Cron(expression, {
      timezone: zone.timeZone,
      mode: '5-or-6-parts',
      fixedTimeRule: 'no-wildcard',
    });
  } catch (err) {
    const message = err instanceof Error ? err.message.replace(/^CronPattern: /, '') : String(err);
    return fail(`${quote(trimmed)} is not a valid schedule: ${message}`);
  }
  // A schedule that can never fire (30 February) would sit in the list doing nothing, silently.
  if (cron.nextRun(dateAt(NEVER_CHECK_FROM_MS)) === null)
    return fail(`${quote(trimmed)} never fires (a date that does not exist, such as 30 February)`);

  const schedule: Schedule = Object.freeze({
    expression,
    timeZone: zone.timeZone,
    hasSeconds: expression.split(' ').length === 6,
  });
  crons.set(schedule, cron);
  return { ok: true, schedule };
}

// 2000-01-01: any schedule that fires at all fires after it (croner looks as far as year 9999).
const NEVER_CHECK_FROM_MS = 946_684_800_000;

/** The next `n` times the schedule fires strictly after `afterMs`, in epoch milliseconds, ascending. */
export function nextRuns(schedule: Schedule, afterMs: number, n: number): number[] {
  const count = Math.min(Math.max(Math.floor(n), 0), MAX_NEXT_RUNS);
  if (count === 0 || !Number.isFinite(afterMs)) return [];
  return cronOf(schedule)
    .nextRuns(count, dateAt(afterMs))
    .map((d) => d.getTime());
}

/** The latest time the schedule fired at or before `atMs`, or null if it never did. */
export function latestRunAtOrBefore(schedule: Schedule, atMs: number): number | null {
  if (!Number.isFinite(atMs)) return null;
  // croner looks strictly before the date given; fire times are whole seconds, so 1 ms later
  // includes a fire time equal to atMs.
  const [previous] = cronOf(schedule).previousRuns(1, dateAt(atMs + 1));
  return previous ? previous.getTime() : null;
}

function cronOf(schedule: Schedule): Cron {
  const cron = crons.get(schedule);
  if (!cron) throw new TypeError('not a Schedule from parseSchedule (re-parse stored expressions)');
  return cron;
}

function parseTimeZone(raw: string): { ok: true; timeZone: string } | { ok: false; reason: string } {
  if (raw.length === 0 || raw.length > 64 || !TIME_ZONE_CHARSET.test(raw))
    return fail(`${quote(raw)} is not a time zone: use an IANA name such as Europe/Berlin or UTC`);
  try {
    return {
      ok: true,
      timeZone: new Intl.DateTimeFormat('en-US', { timeZone: raw }).resolvedOptions().timeZone,
    };
  } catch {
    return fail(
      `unknown time zone ${quote(raw)}: use an IANA name such as Europe/Berlin or America/New_York`,
    );
  }
}

/**
 * croner speaks Date. Core may not use Date because `new Date()` reads the clock; this builds one
 * only from a time the caller passed in, so the rule's intent holds.
 */
// eslint-disable-next-line no-restricted-globals -- from a given epoch time, never the clock
const dateAt = (ms: number): Date => new Date(ms);

const fail = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });
const quote = (s: string): string => JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
