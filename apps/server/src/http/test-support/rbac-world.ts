import assert from 'node:assert/strict';
import { ROLES, type Role } from '@berth/protocol';
import { startTestApi, type TestApi } from './api.js';
import { createApp, deploy, liveApp, markLive, sourceAppWithBuild } from './fixtures.js';
import { API, createClient, type Client } from './http.js';
import {
  createTokenVia,
  createUserVia,
  PASSWORD,
  sessionUser,
  type CreatedToken,
  type CreatedUser,
} from './principals.js';

/**
 * Two teams for access tests. Team A is the default team; team B ("bravo") was created through
 * the API by `root`, an owner of A (so an installation owner) who is not one of the actors. The
 * actors hold one role each in A only: an API token per role and, optionally, a logged-in user
 * per role. Each team has a live app with two releases, an env var and a secret.
 */

export interface Actor {
  /** e.g. `admin token`, `viewer user`. */
  label: string;
  kind: 'token' | 'user';
  role: Role;
  token: string;
  /** The token's or user's id: the audit row's actor. */
  id: string;
  /** A user's email (to log in again); null for tokens. */
  email: string | null;
}

export interface World {
  api: TestApi;
  client: Client;
  root: CreatedUser & { token: string };
  teamB: { id: string; name: string };
  /** An owner token of team B. */
  bOwner: CreatedToken;
  /** A user in team B only. */
  bUser: CreatedUser;
  appA: { id: string; name: string; deployments: string[] };
  appB: { id: string; name: string; deployments: string[] };
  /** Apps of A and B built from git, each with a queued build #1. */
  srcA: string;
  srcB: string;
  /** A user of A with a password, to log in as. */
  loginEmail: string;
  actors: Actor[];
  /** Strings that only team B's data contains: none may reach a principal of A. */
  bMarkers: string[];
  /** The seq of the first audit row about team B. */
  bFirstAuditSeq: number;
}

export const TEAM_B = 'bravo';
export const APP_A = 'alpha';
export const APP_B = 'bravo-app';
export const SRC_A = 'alpha-src';
export const SRC_B = 'bravo-src';
export const B_IMAGE = 'registry.bravo.example/secret-image:9';
export const B_ENV_VALUE = 'bravo-env-value-7f3a';
export const B_SECRET_VALUE = 'bravo-secret-plaintext-91c2';
/** An email with a pending invitation into team B only. */
export const B_INVITED = 'invited-to-bravo@b.example';

export async function createWorld(options: { users: boolean; inMemory?: boolean }): Promise<World> {
  const api = await startTestApi({ inMemory: options.inMemory ?? false });
  const client = createClient(api);
  const root = await sessionUser(client, { email: 'root@a.example', role: 'owner' });
  const teamRes = await client.send({
    method: 'POST',
    url: `${API}/teams`,
    body: { name: TEAM_B },
    token: root.token,
  });
  assert.equal(teamRes.status, 201, teamRes.text);
  const teamB = teamRes.json as { id: string; name: string };
  const bFirstAuditSeq = (await api.store.audit.last())?.seq ?? 0;
  const bOwner = await createTokenVia(client, { name: 'b-owner', role: 'owner', team: TEAM_B }, root.token);
  const appB = await bravoApp(api, client, bOwner.token);
  await sourceAppWithBuild(client, SRC_B, bOwner.token, { team: TEAM_B });
  await sourceAppWithBuild(client, SRC_A);
  const bUser = await createUserVia(
    client,
    { email: 'bravo-only@b.example', role: 'viewer', team: TEAM_B },
    bOwner.token,
  );
  const invited = await client.send({
    method: 'PUT',
    url: `${API}/users/${B_INVITED}/memberships/${TEAM_B}`,
    body: { role: 'operator' },
    token: bOwner.token,
  });
  assert.equal(invited.status, 202, invited.text);

  const aDeployments = await liveApp(client, api.store, APP_A, 2, { extra: { env: { A_ENV: 'a' } } });
  await patchSecret(client, APP_A, { A_SECRET: 'alpha-secret-value' });
  const loginEmail = (
    await createUserVia(client, { email: 'login@a.example', role: 'viewer', password: PASSWORD })
  ).email;

  const actors: Actor[] = [];
  for (const role of ROLES) {
    const t = await createTokenVia(client, { name: `t-${role}`, role });
    actors.push({ label: `${role} token`, kind: 'token', role, token: t.token, id: t.id, email: null });
  }
  if (options.users) {
    for (const role of ROLES) {
      const u = await sessionUser(client, { email: `${role}@a.example`, role });
      actors.push({ label: `${role} user`, kind: 'user', role, token: u.token, id: u.id, email: u.email });
    }
  }
  return {
    api,
    client,
    root,
    teamB,
    bOwner,
    bUser,
    appA: { id: aDeployments[0]?.appId ?? '', name: APP_A, deployments: aDeployments.map((d) => d.id) },
    appB,
    srcA: SRC_A,
    srcB: SRC_B,
    loginEmail,
    actors,
    bMarkers: [
      teamB.id,
      appB.id,
      SRC_B,
      ...appB.deployments,
      B_IMAGE,
      B_ENV_VALUE,
      B_SECRET_VALUE,
      bOwner.id,
      bUser.id,
      bUser.email,
      B_INVITED,
    ],
    bFirstAuditSeq,
  };
}

async function bravoApp(api: TestApi, client: Client, token: string): Promise<World['appB']> {
  const app = await createApp(
    client,
    APP_B,
    { image: B_IMAGE, team: TEAM_B, env: { BRAVO_ENV: B_ENV_VALUE } },
    token,
  );
  const deployments: string[] = [];
  for (let i = 0; i < 2; i += 1) {
    const d = await deploy(client, APP_B, {}, token);
    await markLive(api.store, d.id);
    deployments.push(d.id);
  }
  await patchSecret(client, APP_B, { BRAVO_SECRET: B_SECRET_VALUE }, token);
  return { id: app.id, name: APP_B, deployments };
}

export async function patchSecret(
  client: Client,
  app: string,
  set: Record<string, string>,
  as?: string,
): Promise<void> {
  const res = await client.send({
    method: 'PATCH',
    url: `${API}/apps/${app}/secrets`,
    body: { set },
    token: as,
  });
  assert.equal(res.status, 200, res.text);
}
