import { csrfTokenFor, dummyPasswordHash, generateToken, hashToken, verifyPassword } from '@berth/crypto';
import { BerthError, type SessionCreate } from '@berth/protocol';
import type { SessionRow, Store, UserRow } from '@berth/store';
import type { AuditIntent } from '../audit/intent.js';
import { createId } from '../ids.js';
import { acceptOwnCreation } from './invitations.js';

/**
 * Logging in. Failures are counted per account and per address; past the limit the answer is
 * 429 until the window passes. A bad email and a bad password get the same message and cost the
 * same time (an unknown email is checked against a dummy hash), so neither can be probed.
 */

export const LOGIN_WINDOW_MS = 15 * 60_000;
export const MAX_FAILURES_PER_ACCOUNT = 5;
export const MAX_FAILURES_PER_ADDRESS = 20;
const CLI_SESSION_MS = 30 * 86_400_000;
const BROWSER_SESSION_MS = 12 * 3_600_000;

export interface LoginResult {
  user: UserRow;
  session: SessionRow;
  /** The bearer (cli) or cookie (browser) value; shown once. */
  token: string;
  csrfToken: string | null;
  /** The teams the user is in after logging in. */
  teams: ReadonlySet<string>;
}

export async function login(
  store: Store,
  now: number,
  input: SessionCreate,
  address: string,
  intent: AuditIntent,
): Promise<LoginResult> {
  const email = input.email.toLowerCase();
  const keys = [`account:${email}`, `address:${address}`];
  await refuseIfThrottled(store, now, keys[0] ?? '', keys[1] ?? '');
  const user = await store.users.getByEmail(email);
  const usable = user !== null && user.disabledAt === null && user.passwordHash !== null;
  const ok = await verifyPassword(usable ? user.passwordHash : await dummyPasswordHash(), input.password);
  if (!usable || !ok) {
    // The audit hook records the denied attempt; here only the throttle counts it.
    await store.transaction(async (tx) => {
      for (const key of keys) await tx.loginFailures.record(key, now);
    });
    throw new BerthError('INVALID_CREDENTIALS', 'The email or password is not right');
  }
  const mode = input.mode ?? 'cli';
  const token = generateToken('bs');
  const session: SessionRow = {
    id: createId('ses'),
    tokenHash: hashToken(token),
    userId: user.id,
    kind: mode,
    createdAt: now,
    expiresAt: now + (mode === 'browser' ? BROWSER_SESSION_MS : CLI_SESSION_MS),
    lastUsedAt: now,
    revokedAt: null,
  };
  const self = { ...intent, actorKind: 'user' as const, actorId: user.id, actorName: user.email };
  const teams = await store.transaction(async (tx) => {
    await tx.loginFailures.clear(keys[0] ?? '');
    await tx.sessions.create(session);
    await tx.audit.append({ ...self, at: now, outcome: 'ok', detail: { mode } });
    // The first login of an account made with a password accepts the invitation it came with.
    await acceptOwnCreation(tx, now, user, self);
    return new Set((await tx.memberships.listForUser(user.id)).map((m) => m.teamId));
  });
  await store.loginFailures.prune(now - LOGIN_WINDOW_MS);
  return {
    user,
    session,
    token,
    csrfToken: mode === 'browser' ? csrfTokenFor(Buffer.from(token), session.id) : null,
    teams,
  };
}

async function refuseIfThrottled(
  store: Store,
  now: number,
  accountKey: string,
  addressKey: string,
): Promise<void> {
  const since = now - LOGIN_WINDOW_MS;
  for (const [key, max] of [
    [accountKey, MAX_FAILURES_PER_ACCOUNT],
    [addressKey, MAX_FAILURES_PER_ADDRESS],
  ] as const) {
    if ((await store.loginFailures.countSince(key, since)) < max) continue;
    const oldest = (await store.loginFailures.oldestSince(key, since)) ?? now;
    const minutes = Math.max(1, Math.ceil((oldest + LOGIN_WINDOW_MS - now) / 60_000));
    throw new BerthError('RATE_LIMITED', `Too many failed logins; try again in ${minutes} minute(s)`, {
      hint: 'An admin can issue a password reset with: berth users reset-password EMAIL',
    });
  }
}
