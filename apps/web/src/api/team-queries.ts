import { useQuery } from '@tanstack/react-query';
import { api } from './browser.js';
import { expectData } from './client.js';
import { POLL_MS } from './queries.js';

export const teamKeys = {
  users: ['users'] as const,
  invitations: (team: string) => ['invitations', team] as const,
  /** Another key's first word than the team's: a team may be named anything. */
  mine: ['my-invitations'] as const,
  projects: (team: string) => ['projects', team] as const,
};

/**
 * The team's members with their roles there. berthd lists every account in a team the user
 * manages, each with only the memberships of those teams: the rest of an account's life is not
 * the team's business.
 */
export const useMembers = (team: string, enabled: boolean) =>
  useQuery({
    queryKey: teamKeys.users,
    queryFn: () => expectData(api.GET('/users')),
    select: (answer) =>
      answer.users
        .flatMap((user) => {
          const membership = user.memberships.find((m) => m.team === team);
          return membership ? [{ ...user, role: membership.role }] : [];
        })
        .sort((a, b) => a.email.localeCompare(b.email)),
    enabled,
    refetchInterval: POLL_MS * 6,
  });

/** The team's pending invitations (only who manages the team may list them). */
export const useTeamInvitations = (team: string, enabled: boolean) =>
  useQuery({
    queryKey: teamKeys.invitations(team),
    queryFn: () => expectData(api.GET('/teams/{team}/invitations', { params: { path: { team } } })),
    select: (answer) => answer.invitations,
    enabled,
    refetchInterval: POLL_MS * 6,
  });

/** The user's own pending invitations into teams (an account that existed before accepts here). */
export const useMyInvitations = () =>
  useQuery({
    queryKey: teamKeys.mine,
    queryFn: () => expectData(api.GET('/invitations')),
    select: (answer) => answer.invitations,
    refetchInterval: POLL_MS * 6,
  });

export const useProjects = (team: string) =>
  useQuery({
    queryKey: teamKeys.projects(team),
    queryFn: () => expectData(api.GET('/projects', { params: { query: { team } } })),
    select: (answer) => answer.projects,
    refetchInterval: POLL_MS * 6,
  });
