/**
 * A CA's `Retry-After` (RFC 9110 §10.2.3), read as the time to wait. Let's Encrypt sends it with
 * 429 rateLimited and 503; Berth must not come back sooner. Pure: the caller passes the clock.
 *
 * The value is delay-seconds or an HTTP-date, and a recipient must accept all three date forms
 * (§5.6.7). Read strictly: anything else is no answer at all (undefined), not a zero wait, so
 * a garbled header never makes Berth retry at once. A date already past means "now" (0). Capped
 * at a week: a CA's clock or a typo must not park a certificate for years.
 */

export const MAX_RETRY_AFTER_MS = 7 * 24 * 3_600_000;

const DAYS = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAYS = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH = `(${MONTHS.join('|')})`;
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';

/** `Sun, 06 Nov 1994 08:49:37 GMT` */
const IMF_FIXDATE = new RegExp(`^${DAYS}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
/** `Sunday, 06-Nov-94 08:49:37 GMT` (obsolete) */
const RFC850_DATE = new RegExp(`^${LONG_DAYS}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`);
/** `Sun Nov  6 08:49:37 1994` (obsolete, C's asctime) */
const ASCTIME_DATE = new RegExp(`^${DAYS} ${MONTH} ( \\d|\\d{2}) ${TIME} (\\d{4})$`);
const DELAY_SECONDS = /^\d+$/;

/** The wait in ms the header asks for, from `nowMs`; undefined when it is absent or not a Retry-After. */
export function parseRetryAfter(header: unknown, nowMs: number): number | undefined {
  if (typeof header !== 'string') return undefined;
  // Only the optional whitespace around a field value is dropped; inner spacing is part of the form.
  const value = header.replace(/^[ \t]+|[ \t]+$/g, '');
  if (DELAY_SECONDS.test(value)) {
    // More digits than any cap needs: past Number's exact range the product would be wrong anyway.
    const seconds = value.length > 12 ? Infinity : Number(value);
    return Math.min(seconds * 1000, MAX_RETRY_AFTER_MS);
  }
  const at = parseHttpDate(value, nowMs);
  if (at === undefined) return undefined;
  return Math.min(Math.max(0, at - nowMs), MAX_RETRY_AFTER_MS);
}

/** Epoch ms of an HTTP-date in any of its three forms, or undefined. */
function parseHttpDate(value: string, nowMs: number): number | undefined {
  let m = IMF_FIXDATE.exec(value);
  if (m) return utc(Number(m[3]), m[2], Number(m[1]), m[4], m[5], m[6]);
  m = RFC850_DATE.exec(value);
  if (m) return utc(fullYear(Number(m[3]), nowMs), m[2], Number(m[1]), m[4], m[5], m[6]);
  m = ASCTIME_DATE.exec(value);
  if (m) return utc(Number(m[6]), m[1], Number((m[2] ?? '').trim()), m[3], m[4], m[5]);
  return undefined;
}

/**
 * §5.6.7: a two-digit year that would be more than 50 years in the future is the most recent
 * past year with those last two digits.
 */
function fullYear(twoDigits: number, nowMs: number): number {
  const nowYear = new Date(nowMs).getUTCFullYear();
  const century = nowYear - (nowYear % 100);
  const year = century + twoDigits;
  return year > nowYear + 50 ? year - 100 : year;
}

/** Epoch ms, or undefined for a date that does not exist (31 Feb, hour 25). */
function utc(
  year: number,
  monthName: string | undefined,
  day: number,
  hh: string | undefined,
  mm: string | undefined,
  ss: string | undefined,
): number | undefined {
  const month = MONTHS.indexOf(monthName ?? '');
  const [hour, minute, second] = [Number(hh), Number(mm), Number(ss)];
  // 60 is a leap second (the grammar allows it); the clock counts it as the next minute's 0.
  if (month < 0 || hour > 23 || minute > 59 || second > 60) return undefined;
  const ms = Date.UTC(year, month, day, hour, minute, second);
  const check = new Date(Date.UTC(year, month, day));
  if (check.getUTCMonth() !== month || check.getUTCDate() !== day) return undefined;
  return ms;
}
