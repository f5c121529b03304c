import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from './browser.js';
import { expectData, expectOk } from './client.js';
import type { Role } from './paths.js';
import { queryKeys } from './queries.js';
import { teamKeys } from './team-queries.js';

/**
 * Invites the email into the team (createUser). The answer holds the one-time setup token of the
 * invite link, the only time berthd gives it: the page copies it into its own state and resets
 * the mutation, which then leaves the cache at once.
 */
export function useInvite(team: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (invite: { email: string; role: Role }) =>
      expectData(api.POST('/users', { body: { ...invite, team } })),
    onSuccess: () => client.invalidateQueries({ queryKey: teamKeys.invitations(team) }),
    gcTime: 0,
  });
}

/** A member's new role in the team (grantMembership); never above the user's own. */
export function useChangeRole(team: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ email, role }: { email: string; role: Role }) =>
      expectData(
        api.PUT('/users/{user}/memberships/{team}', {
          params: { path: { user: email, team } },
          body: { role },
        }),
      ),
    onSuccess: () =>
      Promise.all([
        client.invalidateQueries({ queryKey: teamKeys.users }),
        // The user's own role may be the one that changed.
        client.invalidateQueries({ queryKey: queryKeys.me }),
      ]),
  });
}

/** Removes a member from the team, or withdraws the team's invitation of the email (revokeMembership). */
export function useRemoveFromTeam(team: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (email: string) =>
      expectOk(api.DELETE('/users/{user}/memberships/{team}', { params: { path: { user: email, team } } })),
    onSuccess: () =>
      Promise.all([
        client.invalidateQueries({ queryKey: teamKeys.users }),
        client.invalidateQueries({ queryKey: teamKeys.invitations(team) }),
      ]),
  });
}

/** Accepts or declines one of the user's own invitations; accepted, the team is the user's. */
export function useAnswerInvitation() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ team, answer }: { team: string; answer: 'accept' | 'decline' }) =>
      answer === 'accept'
        ? expectOk(api.POST('/invitations/{team}/accept', { params: { path: { team } } }))
        : expectOk(api.POST('/invitations/{team}/decline', { params: { path: { team } } })),
    onSuccess: () =>
      Promise.all([
        client.invalidateQueries({ queryKey: teamKeys.mine }),
        client.invalidateQueries({ queryKey: queryKeys.me }),
        client.invalidateQueries({ queryKey: queryKeys.teams }),
      ]),
  });
}

export function useCreateProject(team: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => expectData(api.POST('/projects', { body: { name, team } })),
    onSuccess: () => client.invalidateQueries({ queryKey: teamKeys.projects(team) }),
  });
}

/** Sets the password of the account an invite link was made for; the token works once. */
export const useSetPassword = () =>
  useMutation({
    mutationFn: (input: { token: string; password: string }) =>
      expectOk(api.POST('/password', { body: input })),
  });
