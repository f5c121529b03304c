import { createApiClient } from './client.js';
import { createCsrfTokenStore, type KeyValueStorage } from './csrf.js';

function sessionStorageOrNull(): KeyValueStorage | null {
  try {
    return window.sessionStorage;
  } catch {
    // Storage blocked by the browser's settings: the token lives in memory only.
    return null;
  }
}

/** The page's one token store and API client. */
export const csrfTokens = createCsrfTokenStore(sessionStorageOrNull());
export const api = createApiClient({ csrfToken: () => csrfTokens.get() });
