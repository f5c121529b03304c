import type { Domain } from '../api/paths.js';
import { formatUntil, type Tone } from './app-status.js';

/**
 * How a domain's certificate reads on the app page. No React and no DOM here (DomainsPanel.tsx
 * uses it).
 */

/** A certificate that expires sooner than this is pointed out (Berth renews 30 days ahead). */
export const EXPIRES_SOON_MS = 14 * 24 * 60 * 60 * 1000;

export function certificateTone(domain: Pick<Domain, 'status' | 'expiresAt'>, now: number): Tone {
  switch (domain.status) {
    case 'issued':
      return expiresSoon(domain, now) ? 'busy' : 'ok';
    case 'pending':
    case 'renewing':
      return 'busy';
    case 'failed':
      return 'bad';
  }
}

/** Whether the current certificate runs out within EXPIRES_SOON_MS (or already has). */
export function expiresSoon(domain: Pick<Domain, 'expiresAt'>, now: number): boolean {
  if (domain.expiresAt === null) return false;
  const at = Date.parse(domain.expiresAt);
  return !Number.isNaN(at) && at - now < EXPIRES_SOON_MS;
}

/** What there is to know about the certificate beside its status, in words. */
export function certificateDetail(
  domain: Pick<Domain, 'status' | 'issuer' | 'expiresAt' | 'lastError'>,
  now: number,
): string {
  const current =
    domain.expiresAt === null
      ? null
      : `${domain.issuer ? `from ${domain.issuer}, ` : ''}${
          Date.parse(domain.expiresAt) <= now ? 'expired' : 'expires'
        } ${formatUntil(domain.expiresAt, now)}`;
  switch (domain.status) {
    case 'issued':
      return current ?? 'issued';
    case 'pending':
      return 'No certificate yet: served over plain HTTP until one is issued';
    case 'renewing':
      return current ? `Renewing; the current one is ${current}` : 'Renewing';
    case 'failed':
      return [domain.lastError ?? 'The last attempt failed', current ? `(the current one is ${current})` : '']
        .filter(Boolean)
        .join(' ');
  }
}

/** `primary`, `redirects to example.com`, `default name`: how the app holds the name. */
export function domainRole(domain: Pick<Domain, 'kind' | 'redirectTo'>): string {
  switch (domain.kind) {
    case 'primary':
      return 'primary';
    case 'redirect':
      return domain.redirectTo ? `redirects to ${domain.redirectTo}` : 'redirect';
    case 'default':
      return 'default name';
  }
}
