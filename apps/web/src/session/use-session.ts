import { useMutation, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, csrfTokens } from '../api/browser.js';
import { queryKeys } from '../api/queries.js';
import { logIn, logOut, setUpFirstOwner, type Credentials } from './session.js';

/**
 * A new session (or none) sees nothing of the last one: every cached answer but who is logged
 * in goes, and that is asked again (a 401 shows the login page).
 */
async function restart(client: QueryClient): Promise<void> {
  client.removeQueries({ predicate: (query) => query.queryKey[0] !== queryKeys.me[0] });
  await client.resetQueries({ queryKey: queryKeys.me });
}

export function useLogIn(onDone?: () => void) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (credentials: Credentials) => logIn(api, csrfTokens, credentials),
    onSuccess: async () => {
      await restart(client);
      onDone?.();
    },
  });
}

export function useLogOut() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => logOut(api, csrfTokens),
    onSuccess: () => restart(client),
  });
}

/**
 * Names the first owner, then logs in as them. A login that fails after the account was made
 * is retried alone: the link works only once.
 */
export function useSetUp(onDone: () => void) {
  const client = useQueryClient();
  const [created, setCreated] = useState(false);
  const mutation = useMutation({
    mutationFn: async (setup: Credentials & { token: string }) => {
      if (!created) {
        await setUpFirstOwner(api, setup);
        setCreated(true);
      }
      await logIn(api, csrfTokens, setup);
    },
    onSuccess: async () => {
      await restart(client);
      onDone();
    },
  });
  return { ...mutation, created };
}
