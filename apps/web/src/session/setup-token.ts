/** Setup tokens are `setup_` and base64url (packages/crypto generateToken); anything else is not one. */
const TOKEN = /^[A-Za-z0-9._~-]{1,200}$/;

/** The one-time token of a setup link (`/setup#<token>`), from the URL's fragment; null if none. */
export function readSetupToken(hash: string): string | null {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  let token: string;
  try {
    token = decodeURIComponent(raw);
  } catch {
    return null;
  }
  return TOKEN.test(token) ? token : null;
}

interface Address {
  pathname: string;
  search: string;
  hash: string;
}

interface History {
  replaceState(data: unknown, unused: string, url?: string): void;
}

/**
 * Reads the token of a setup link once, and takes it out of the address bar (and so out of the
 * history, bookmarks and screen shares): after this, only the page's memory holds it. An invite
 * link (`/invite#<token>`, a one-time token that sets an invited account's password) is read the
 * same way, with `page` '/invite'.
 */
export function takeSetupToken(address: Address, history: History, page = '/setup'): string | null {
  if (address.pathname !== page || address.hash === '') return null;
  const token = readSetupToken(address.hash);
  history.replaceState(null, '', `${address.pathname}${address.search}`);
  return token;
}
