import assert from 'node:assert/strict';
import type { Invitation, OneTimeToken, Role } from '@berth/protocol';
import { acceptOwnCreation } from '../../identity/invitations.js';
import { API, type Client, type Res } from './http.js';

/**
 * Tokens, users and sessions, made through the API as an owner or admin would make them.
 * Hashing a password costs ~50 ms (argon2id): create users without one unless a test logs in.
 */

/** A password that passes the rules; every user a test logs in with has it. */
export const PASSWORD = 'correct horse battery staple';

export interface CreatedToken {
  id: string;
  name: string;
  role: Role;
  token: string;
}

export interface CreatedUser {
  id: string;
  email: string;
  /** The one-time setup token when the user was created without a password. */
  setup: string | null;
}

export interface Session {
  /** The bearer token (cli mode) or the cookie's value (browser mode). */
  token: string;
  csrfToken: string | null;
  /** `berth_session=…`, to send back as a Cookie header (browser mode only). */
  cookie: string | null;
  res: Res;
}

/** `as` is the token the request is made with (the bootstrap owner's by default). */
export async function createTokenVia(
  client: Client,
  input: { name: string; role: Role; team?: string; expiresInDays?: number },
  as?: string,
): Promise<CreatedToken> {
  const res = await client.send({ method: 'POST', url: `${API}/tokens`, body: input, token: as });
  assert.equal(res.status, 201, `create token ${input.name}: ${res.text}`);
  const body = res.json as { id: string; token: string };
  return { id: body.id, name: input.name, role: input.role, token: body.token };
}

/**
 * A new account in the team. POST /users invites it; unless `pending`, the account then joins as
 * its first password or login would make it (the same server function, called directly, so a
 * test that needs a member neither hashes a password nor uses up the setup token).
 */
export async function createUserVia(
  client: Client,
  input: { email: string; role: Role; team?: string; password?: string },
  as?: string,
  options: { pending?: boolean } = {},
): Promise<CreatedUser> {
  const res = await client.send({ method: 'POST', url: `${API}/users`, body: input, token: as });
  assert.equal(res.status, 201, `create user ${input.email}: ${res.text}`);
  const body = res.json as { invitation: Invitation; setup: OneTimeToken | null };
  const { store, clock } = client.api;
  const user = await store.users.getByEmail(input.email);
  assert.ok(user, `no account for ${input.email}`);
  if (!options.pending) {
    const intent = {
      actorKind: 'user' as const,
      actorId: user.id,
      actorName: user.email,
      requestId: null,
      action: 'invitation.accept',
      target: null,
      teamId: null,
      detail: {},
    };
    await store.transaction((tx) => acceptOwnCreation(tx, clock(), user, intent));
  }
  return { id: user.id, email: body.invitation.email, setup: body.setup?.token ?? null };
}

export async function loginAs(
  client: Client,
  email: string,
  options: { password?: string; mode?: 'cli' | 'browser'; remoteAddress?: string } = {},
): Promise<Session> {
  const res = await client.send({
    method: 'POST',
    url: `${API}/sessions`,
    body: { email, password: options.password ?? PASSWORD, ...(options.mode && { mode: options.mode }) },
    token: null,
    ...(options.remoteAddress !== undefined && { remoteAddress: options.remoteAddress }),
  });
  assert.equal(res.status, 201, `login ${email}: ${res.text}`);
  const body = res.json as { token: string | null; csrfToken: string | null };
  const cookie = sessionCookie(res);
  const token = body.token ?? cookie?.split('=')[1];
  assert.ok(token, `login ${email} gave neither a token nor a cookie`);
  return { token, csrfToken: body.csrfToken, cookie, res };
}

/** The `berth_session=value` pair of a response's Set-Cookie, or null. */
export function sessionCookie(res: Res): string | null {
  const header = res.headers['set-cookie'];
  const first = Array.isArray(header) ? header[0] : header;
  const pair = typeof first === 'string' ? first.split(';')[0] : undefined;
  return pair?.startsWith('berth_session=') && pair.length > 'berth_session='.length ? pair : null;
}

/** A user with a password and a cli session: one argon2 hash and one verification. */
export async function sessionUser(
  client: Client,
  input: { email: string; role: Role; team?: string },
  as?: string,
): Promise<CreatedUser & { token: string }> {
  const user = await createUserVia(client, { ...input, password: PASSWORD }, as);
  return { ...user, token: (await loginAs(client, user.email)).token };
}
