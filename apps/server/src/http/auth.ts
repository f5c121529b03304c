import { createHash, randomBytes } from 'node:crypto';
import { BerthError } from '@berth/protocol';
import type { Role, Store } from '@berth/store';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * Authentication and authorization for every route, in one place: a route declares the
 * permission it needs (`config.permission`) and this hook decides. A route that declares
 * nothing is refused, so a forgotten declaration fails closed.
 */

export type Permission = 'app:read' | 'app:write' | 'app:deploy' | 'app:logs' | 'server:read';

const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  owner: ['app:read', 'app:write', 'app:deploy', 'app:logs', 'server:read'],
  admin: ['app:read', 'app:write', 'app:deploy', 'app:logs', 'server:read'],
  operator: ['app:read', 'app:deploy', 'app:logs', 'server:read'],
  viewer: ['app:read', 'server:read'],
};

export interface Principal {
  tokenId: string;
  role: Role;
  teamId: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `public` routes need no token (health, the agent link which authenticates itself). */
    permission?: Permission | 'public';
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export const generateToken = (): string => `berth_${randomBytes(32).toString('base64url')}`;

/** Touching last-used on every request would make every read a write; once a minute is enough. */
const TOUCH_EVERY_MS = 60_000;

export function registerAuth(app: FastifyInstance, store: Store, clock: () => number): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    // No route matched: the not-found handler answers 404 to anyone. Guarding it would turn every
    // typo in a path or method into a 403, since no permission is declared for "no route".
    if (request.is404) return;
    const permission = request.routeOptions.config.permission;
    if (permission === 'public') return;
    const principal = await authenticate(request, store, clock);
    if (permission === undefined || !ROLE_PERMISSIONS[principal.role].includes(permission)) {
      throw new BerthError('FORBIDDEN', `Your token's role (${principal.role}) does not allow this`, {
        hint: 'Ask an admin for a token with a role that does',
      });
    }
    request.principal = principal;
  });
}

async function authenticate(request: FastifyRequest, store: Store, clock: () => number): Promise<Principal> {
  // The auth scheme is case-insensitive (RFC 9110 §11.1): "bearer x" is as good as "Bearer x".
  const match = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? '');
  const token = match?.[1] ?? null;
  if (!token) {
    throw new BerthError('UNAUTHENTICATED', 'This request needs an API token', {
      hint: 'Send "Authorization: Bearer <token>"; the CLI reads BERTH_TOKEN or <data-dir>/admin.token',
    });
  }
  const row = token.length <= 200 ? await store.tokens.findByHash(hashToken(token)) : null;
  const now = clock();
  if (!row || row.revokedAt !== null || (row.expiresAt !== null && row.expiresAt <= now)) {
    throw new BerthError('UNAUTHENTICATED', 'The API token is not valid (unknown, revoked or expired)', {
      hint: 'Check BERTH_TOKEN, or use the admin token in <data-dir>/admin.token',
    });
  }
  if (row.lastUsedAt === null || now - row.lastUsedAt > TOUCH_EVERY_MS) await store.tokens.touch(row.id, now);
  return { tokenId: row.id, role: row.role, teamId: row.teamId };
}
