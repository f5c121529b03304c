import type { Middleware } from 'openapi-fetch';

/**
 * A browser session's changes carry the CSRF token the login answered with, in this header
 * (berthd: apps/server/src/access/authenticate.ts). Reads need none.
 */
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const needsCsrfToken = (method: string): boolean => !SAFE_METHODS.has(method.toUpperCase());

/** The request with the token set when it is a change and there is a token. */
export function withCsrfHeader(request: Request, token: string | null): Request {
  if (token !== null && needsCsrfToken(request.method)) request.headers.set(CSRF_HEADER, token);
  return request;
}

export const createCsrfMiddleware = (token: () => string | null): Middleware => ({
  onRequest: ({ request }) => withCsrfHeader(request, token()),
});

/** The part of Web Storage the token store uses (sessionStorage in the browser). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface CsrfTokenStore {
  get(): string | null;
  set(token: string | null): void;
}

export const CSRF_STORAGE_KEY = 'berth.csrfToken';

/**
 * Where the token lives: in memory, and in sessionStorage so a reload of the tab keeps it. The
 * session cookie is HttpOnly; the token is useless without it. Storage that throws (disabled,
 * full) leaves the memory copy, which lasts until the page is left.
 */
export function createCsrfTokenStore(storage: KeyValueStorage | null): CsrfTokenStore {
  let token: string | null = null;
  try {
    token = storage?.getItem(CSRF_STORAGE_KEY) ?? null;
  } catch {
    token = null;
  }
  return {
    get: () => token,
    set(next) {
      token = next;
      try {
        if (next === null) storage?.removeItem(CSRF_STORAGE_KEY);
        else storage?.setItem(CSRF_STORAGE_KEY, next);
      } catch {
        // Kept in memory only: see above.
      }
    },
  };
}
