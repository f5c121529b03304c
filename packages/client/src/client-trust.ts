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
  type Role,
  type SecretsPatch,
  type TeamSettingsPatch,
  type TokenCreate,
  type UserCreate,
} from '@berth/protocol';
import { z } from 'zod';
import type { Transport } from './transport.js';

const enc = encodeURIComponent;
const teamQuery = (team: string | undefined): string => (team ? `?team=${enc(team)}` : '');

/** Identity, tenancy, tokens, secrets, master keys and the audit log. */
export function trustApi({ call, json, lines }: Transport) {
  return {
    login: (email: string, password: string) =>
      json(SessionCreated, 'POST', '/sessions', { email, password, mode: 'cli' }),
    logout: async () => {
      await call('DELETE', '/sessions/current');
    },
    whoami: () => json(Whoami, 'GET', '/me'),
    setPassword: async (token: string, password: string) => {
      await call('POST', '/password', { token, password });
    },

    createUser: (input: UserCreate) => json(UserCreated, 'POST', '/users', input),
    listUsers: async () => (await json(UserList, 'GET', '/users')).users,
    /** A member's new role (a User), or the invitation of anyone else into the team. */
    grant: (email: string, team: string, role: Role) =>
      json(z.union([User, Invitation]), 'PUT', `/users/${enc(email)}/memberships/${enc(team)}`, { role }),
    revokeMembership: async (email: string, team: string) => {
      await call('DELETE', `/users/${enc(email)}/memberships/${enc(team)}`);
    },
    issuePasswordReset: (email: string) =>
      json(OneTimeToken, 'POST', `/users/${enc(email)}/password-reset`, {}),

    listInvitations: async () => (await json(InvitationList, 'GET', '/invitations')).invitations,
    listTeamInvitations: async (team: string) =>
      (await json(InvitationList, 'GET', `/teams/${enc(team)}/invitations`)).invitations,
    acceptInvitation: (team: string) => json(Membership, 'POST', `/invitations/${enc(team)}/accept`, {}),
    declineInvitation: async (team: string) => {
      await call('POST', `/invitations/${enc(team)}/decline`, {});
    },

    createToken: (input: TokenCreate) => json(TokenCreated, 'POST', '/tokens', input),
    listTokens: async (team?: string) => (await json(TokenList, 'GET', `/tokens${teamQuery(team)}`)).tokens,
    revokeToken: async (name: string, team?: string) => {
      await call('DELETE', `/tokens/${enc(name)}${teamQuery(team)}`);
    },

    createTeam: (name: string) => json(Team, 'POST', '/teams', { name }),
    listTeams: async () => (await json(TeamList, 'GET', '/teams')).teams,
    getTeam: (team: string) => json(Team, 'GET', `/teams/${enc(team)}`),
    updateTeamSettings: (team: string, patch: TeamSettingsPatch) =>
      json(Team, 'PATCH', `/teams/${enc(team)}/settings`, patch),
    setLocalImages: (team: string, allowed: boolean) =>
      json(Team, 'PUT', `/teams/${enc(team)}/local-images`, { allowed }),
    createProject: (name: string, team?: string) =>
      json(Project, 'POST', '/projects', { name, ...(team && { team }) }),
    listProjects: async (team?: string) =>
      (await json(ProjectList, 'GET', `/projects${teamQuery(team)}`)).projects,

    listSecrets: (app: string) => json(SecretList, 'GET', `/apps/${enc(app)}/secrets`),
    patchSecrets: (app: string, patch: SecretsPatch, key?: string) =>
      json(SecretChange, 'PATCH', `/apps/${enc(app)}/secrets`, patch, key ? { 'idempotency-key': key } : {}),

    listKeys: () => json(KeyList, 'GET', '/keys'),
    rotateKeys: () => json(KeyRotated, 'POST', '/keys/rotate', {}),
    retireKey: async (id: string) => {
      await call('DELETE', `/keys/${enc(id)}`);
    },

    listAudit: async (after = 0, limit = 100) =>
      (await json(AuditList, 'GET', `/audit?after=${after}&limit=${limit}`)).rows,
    /** The public keys, the signed head and checkpoints, then every row. */
    async *exportAudit(): AsyncGenerator<AuditExportLine> {
      const res = await call('GET', '/audit/export', undefined, {}, {});
      for await (const line of lines(res)) yield AuditExportLine.parse(line);
    },
    verifyAudit: () => json(AuditVerification, 'GET', '/audit/verify'),
  };
}
