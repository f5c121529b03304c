import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from './browser.js';
import { expectData, expectOk } from './client.js';
import type { Role } from './paths.js';
import { queryKeys } from './queries.js';

export interface TokenRequest {
  name: string;
  role: Role;
  /** Never expires when left out. */
  expiresInDays?: number;
}

/**
 * createToken in a team. The answer holds the token's value, the only time berthd gives it: the
 * page copies it into its own state and resets the mutation, which then leaves the cache at once.
 */
export function useCreateToken(team: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (request: TokenRequest) => expectData(api.POST('/tokens', { body: { ...request, team } })),
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.tokens(team) }),
    gcTime: 0,
  });
}

/** revokeToken: the team's active token of that name stops working at once. */
export function useRevokeToken(team: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (name: string) =>
      expectOk(api.DELETE('/tokens/{name}', { params: { path: { name }, query: { team } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.tokens(team) }),
  });
}
