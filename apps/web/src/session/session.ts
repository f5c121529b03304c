import { expectData, expectOk, type ApiClient } from '../api/client.js';
import type { CsrfTokenStore } from '../api/csrf.js';
import { isUnauthenticated } from '../problems/problem.js';

export interface Credentials {
  email: string;
  password: string;
}

/** A browser login: berthd sets the HttpOnly session cookie and answers the CSRF token. */
export async function logIn(api: ApiClient, tokens: CsrfTokenStore, credentials: Credentials): Promise<void> {
  const session = await expectData(
    api.POST('/sessions', {
      body: { email: credentials.email, password: credentials.password, mode: 'browser' },
    }),
  );
  tokens.set(session.csrfToken);
}

/** Ends the session; one that had already ended (401) is as good. */
export async function logOut(api: ApiClient, tokens: CsrfTokenStore): Promise<void> {
  try {
    await expectOk(api.DELETE('/sessions/current'));
  } catch (error) {
    if (!isUnauthenticated(error)) throw error;
  }
  tokens.set(null);
}

/** Names the first owner with the setup link's token; then they log in like anyone. */
export async function setUpFirstOwner(api: ApiClient, setup: Credentials & { token: string }): Promise<void> {
  await expectOk(
    api.POST('/setup', { body: { token: setup.token, email: setup.email, password: setup.password } }),
  );
}
