/**
 * HSTS (RFC 6797) on an edge's HTTPS responses: opt-in per edge, set when the edge starts
 * (`--hsts-max-age`), so Caddy's config stays the same for the whole run. Only `max-age`:
 *   - no `includeSubDomains`: Berth serves names, not zones. A parent zone's other hosts (a mail
 *     web UI, a printer, an app on another platform) may be plain HTTP, and browsers would refuse
 *     them for max-age seconds with no way for Berth to take it back;
 *   - no `preload`: it asks browser vendors to hard-code the whole registrable domain, which only
 *     the zone's owner can promise (and it needs includeSubDomains).
 * An app that wants either sends its own header: the edge replaces it (one policy per edge, so an
 * app cannot shorten or drop what the operator chose); operators who want the app's leave HSTS off.
 */

import { BerthError } from '@berth/protocol';

export const HSTS_HEADER = 'Strict-Transport-Security';

/** Two years, the most any HSTS guidance asks for; 0 tells browsers to forget an earlier policy. */
export const HSTS_MAX_AGE_LIMIT = 63_072_000;

export const isHstsMaxAge = (n: unknown): n is number =>
  typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= HSTS_MAX_AGE_LIMIT;

/** The header's value for `maxAge` seconds; anything but a whole number in range is a bug upstream. */
export function hstsHeaderValue(maxAge: number): string {
  if (!isHstsMaxAge(maxAge))
    throw new BerthError(
      'INTERNAL',
      `The edge cannot send HSTS with max-age ${JSON.stringify(maxAge)} (0-${HSTS_MAX_AGE_LIMIT})`,
    );
  return `max-age=${maxAge}`;
}
