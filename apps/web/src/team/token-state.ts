import type { ApiToken } from '../api/paths.js';

/** Whether a token still opens the API: revoked and expired ones are listed but refused. */
export type TokenState = 'active' | 'expired' | 'revoked';

export function tokenState(token: Pick<ApiToken, 'revokedAt' | 'expiresAt'>, now: number): TokenState {
  if (token.revokedAt !== null) return 'revoked';
  if (token.expiresAt !== null && Date.parse(token.expiresAt) <= now) return 'expired';
  return 'active';
}

/** Whether berthd still has the token to revoke (a revoked one is gone; an expired one is not). */
export const mayRevoke = (token: Pick<ApiToken, 'revokedAt'>): boolean => token.revokedAt === null;

/** A token name (berthd's pattern for createToken): lower case, digits, `.`, `_`, `-`. */
const TOKEN_NAME = /^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$/;

export const isTokenName = (name: string): boolean => TOKEN_NAME.test(name);

export const TOKEN_NAME_RULE =
  'Lower-case letters, digits, ".", "_" and "-", at most 64, starting and ending with a letter or digit.';

export const MAX_EXPIRY_DAYS = 3650;

/** Days until the token expires: empty for never, else a whole number from 1 to 3650. */
export function parseExpiryDays(
  input: string,
): { ok: true; value: number | null } | { ok: false; error: string } {
  const text = input.trim();
  if (text === '') return { ok: true, value: null };
  const days = /^\d{1,4}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(days) || days < 1 || days > MAX_EXPIRY_DAYS) {
    return {
      ok: false,
      error: `Give a whole number of days from 1 to ${MAX_EXPIRY_DAYS}, or leave it empty.`,
    };
  }
  return { ok: true, value: days };
}
