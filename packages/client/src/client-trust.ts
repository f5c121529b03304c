import {
  AuditExportLine,
  AuditList,
  AuditVerification,
  Invitation,
  InvitationList,
  Membership,
  KeyList,
  KeyRotated,
  ProjectList,
  Project,
  SecretChange,
  SecretList,
  SessionCreated,
  Team,
  TeamList,
  TokenCreated,
  TokenList,
  UserCreated,
  UserList,
  User,
  Whoami,
  OneTimeToken,
  type AuditQuery,
  type Role,
  type SecretsPatch,
  type TeamSettingsPatch,
  type TokenCreate,
  type UserCreate,
} from '@berth/protocol';
import { z } from 'zod';
import type { Transport } from './transport.js';

/** The team a listing or change is in; none (or '') is the caller's default team. */
const inTeam = (team: string | undefined) => ({ team: team || undefined });

/** Identity, tenancy, tokens, secrets, master keys and the audit log. */
export function trustApi({ call, json, lines }: Transport) {
  const membership = (email: string, team: string) => ({ path: { user: email, team } });
  return {
    login: (email: string, password: string) =>
      json(SessionCreated, 'POST', '/sessions', { body: { email, password, mode: 'cli' } }),
    logout: async () => {
      await call('DELETE', '/sessions/current');
    },
    whoami: () => json(Whoami, 'GET', '/me'),
    setPassword: async (token: string, password: string) => {
      await call('POST', '/password', { body: { token, password } });
    },

    createUser: (input: UserCreate) => json(UserCreated, 'POST', '/users', { body: input }),
    listUsers: async () => (await json(UserList, 'GET', '/users')).users,
    /** A member's new role (a User), or the invitation of anyone else into the team. */
    grant: (email: string, team: string, role: Role) =>
      json(z.union([User, Invitation]), 'PUT', '/users/{user}/memberships/{team}', {
        ...membership(email, team),
        body: { role },
      }),
    revokeMembership: async (email: string, team: string) => {
      await call('DELETE', '/users/{user}/memberships/{team}', membership(email, team));
    },
    issuePasswordReset: (email: string) =>
      json(OneTimeToken, 'POST', '/users/{user}/password-reset', { path: { user: email } }),

    listInvitations: async () => (await json(InvitationList, 'GET', '/invitations')).invitations,
    listTeamInvitations: async (team: string) =>
      (await json(InvitationList, 'GET', '/teams/{team}/invitations', { path: { team } })).invitations,
    acceptInvitation: (team: string) =>
      json(Membership, 'POST', '/invitations/{team}/accept', { path: { team } }),
    declineInvitation: async (team: string) => {
      await call('POST', '/invitations/{team}/decline', { path: { team } });
    },

    createToken: (input: TokenCreate) => json(TokenCreated, 'POST', '/tokens', { body: input }),
    listTokens: async (team?: string) =>
      (await json(TokenList, 'GET', '/tokens', { query: inTeam(team) })).tokens,
    revokeToken: async (name: string, team?: string) => {
      await call('DELETE', '/tokens/{name}', { path: { name }, query: inTeam(team) });
    },

    createTeam: (name: string) => json(Team, 'POST', '/teams', { body: { name } }),
    listTeams: async () => (await json(TeamList, 'GET', '/teams')).teams,
    getTeam: (team: string) => json(Team, 'GET', '/teams/{team}', { path: { team } }),
    updateTeamSettings: (team: string, patch: TeamSettingsPatch) =>
      json(Team, 'PATCH', '/teams/{team}/settings', { path: { team }, body: patch }),
    setLocalImages: (team: string, allowed: boolean) =>
      json(Team, 'PUT', '/teams/{team}/local-images', { path: { team }, body: { allowed } }),
    createProject: (name: string, team?: string) =>
      json(Project, 'POST', '/projects', { body: { name, ...(team && { team }) } }),
    listProjects: async (team?: string) =>
      (await json(ProjectList, 'GET', '/projects', { query: inTeam(team) })).projects,

    listSecrets: (app: string) => json(SecretList, 'GET', '/apps/{app}/secrets', { path: { app } }),
    patchSecrets: (app: string, patch: SecretsPatch, key?: string) =>
      json(SecretChange, 'PATCH', '/apps/{app}/secrets', {
        path: { app },
        body: patch,
        headers: key ? { 'idempotency-key': key } : {},
      }),

    listKeys: () => json(KeyList, 'GET', '/keys'),
    rotateKeys: () => json(KeyRotated, 'POST', '/keys/rotate'),
    retireKey: async (id: string) => {
      await call('DELETE', '/keys/{id}', { path: { id } });
    },

    /** Rows matching every filter given (GET /audit's query; the order is oldest first by default). */
    listAudit: async (query: AuditQuery = {}) => (await json(AuditList, 'GET', '/audit', { query })).rows,
    /** The public keys, the signed head and checkpoints, then every row. */
    async *exportAudit(): AsyncGenerator<AuditExportLine> {
      const res = await call('GET', '/audit/export', { stream: {} });
      for await (const line of lines(res)) yield AuditExportLine.parse(line);
    },
    verifyAudit: () => json(AuditVerification, 'GET', '/audit/verify'),
  };
}
