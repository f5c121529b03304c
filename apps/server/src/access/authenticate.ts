import { csrfTokenFor, hashToken, verifyCsrfToken } from '@berth/crypto';
import { BerthError, type Role } from '@berth/protocol';
import type { Store } from '@berth/store';
import type { FastifyRequest } from 'fastify';
import { toEffectiveRoles, type Principal, type Roles } from './policy.js';

export const SESSION_COOKIE = 'berth_session';
export const CSRF_HEADER = 'x-csrf-token';

/** Touching last-used on every request would make every read a write; once a minute is enough. */
const TOUCH_EVERY_MS = 60_000;
const MAX_TOKEN_LENGTH = 200;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Who is asking: an API token or a user session, from `Authorization: Bearer …` or the session
 * cookie. Cookie-authenticated changes must carry the CSRF token, so another site cannot make
 * a logged-in browser act.
 */
export async function authenticate(
  request: FastifyRequest,
  store: Store,
  now: number,
  defaultTeamId: string,
): Promise<Principal> {
  const bearer = bearerToken(request.headers.authorization);
  const cookie = bearer === null ? cookieToken(request.headers.cookie) : null;
  const token = bearer ?? cookie;
  if (!token) {
    throw new BerthError('UNAUTHENTICATED', 'This request needs an API token or a login session', {
      hint: 'Send "Authorization: Bearer <token>"; the CLI uses `berth login`, BERTH_TOKEN or <data-dir>/admin.token',
    });
  }
  const hash = token.length <= MAX_TOKEN_LENGTH ? hashToken(token) : null;
  const principal =
    hash === null
      ? null
      : ((await fromApiToken(store, hash, now)) ?? (await fromSession(store, hash, now, cookie !== null)));
  if (!principal) {
    throw new BerthError(
      'UNAUTHENTICATED',
      'The token or session is not valid (unknown, revoked or expired)',
      {
        hint: 'Log in again with `berth login`, or check BERTH_TOKEN',
      },
    );
  }
  if (principal.viaCookie && !SAFE_METHODS.has(request.method)) {
    const sent = request.headers[CSRF_HEADER];
    if (typeof sent !== 'string' || !verifyCsrfToken(Buffer.from(token), principal.sessionId ?? '', sent)) {
      throw new BerthError('CSRF_FAILED', 'A change made with a browser session needs its CSRF token', {
        hint: `Send the csrfToken from the login response in the ${CSRF_HEADER} header`,
      });
    }
  }
  return withEffectiveRoles(store, principal, defaultTeamId);
}

/**
 * The CSRF token of the browser session this request came with (null for a bearer token): a
 * dashboard tab opened after the login reads it from `GET /me`. Another site's page cannot:
 * the answer is same-origin only.
 */
export function csrfTokenOf(request: FastifyRequest, principal: Principal): string | null {
  if (!principal.viaCookie || principal.sessionId === null) return null;
  const cookie = cookieToken(request.headers.cookie);
  return cookie === null ? null : csrfTokenFor(Buffer.from(cookie), principal.sessionId);
}

type Held = Omit<Principal, 'roles' | 'installationOwner'>;

/** Every team is read only for an installation owner, who acts as the owner of each. */
async function withEffectiveRoles(store: Store, held: Held, defaultTeamId: string): Promise<Principal> {
  const owner = held.memberships.get(defaultTeamId) === 'owner';
  const teamIds = owner ? (await store.teams.list()).map((t) => t.id) : [];
  return { ...held, ...toEffectiveRoles(held.memberships, defaultTeamId, teamIds) };
}

async function fromApiToken(store: Store, hash: string, now: number): Promise<Held | null> {
  const row = await store.tokens.findByHash(hash);
  if (!row || row.revokedAt !== null || (row.expiresAt !== null && row.expiresAt <= now)) return null;
  if (row.lastUsedAt === null || now - row.lastUsedAt > TOUCH_EVERY_MS) await store.tokens.touch(row.id, now);
  return {
    kind: 'token',
    id: row.id,
    name: row.name,
    memberships: new Map([[row.teamId, row.role]]),
    sessionId: null,
    viaCookie: false,
  };
}

async function fromSession(
  store: Store,
  hash: string,
  now: number,
  viaCookie: boolean,
): Promise<Held | null> {
  const session = await store.sessions.findByHash(hash);
  if (!session || session.revokedAt !== null || session.expiresAt <= now) return null;
  const user = await store.users.get(session.userId);
  if (!user || user.disabledAt !== null) return null;
  if (session.lastUsedAt === null || now - session.lastUsedAt > TOUCH_EVERY_MS)
    await store.sessions.touch(session.id, now);
  const memberships: Roles = new Map<string, Role>(
    (await store.memberships.listForUser(user.id)).map((m) => [m.teamId, m.role]),
  );
  return { kind: 'user', id: user.id, name: user.email, memberships, sessionId: session.id, viaCookie };
}

function bearerToken(header: string | undefined): string | null {
  // The scheme is case-insensitive (RFC 9110 §11.1).
  const m = typeof header === 'string' ? /^bearer\s+(\S+)\s*$/i.exec(header) : null;
  return m?.[1] ?? null;
}

function cookieToken(header: string | undefined): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === SESSION_COOKIE) return rest.join('=') || null;
  }
  return null;
}
