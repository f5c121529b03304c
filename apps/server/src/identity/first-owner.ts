import { timingSafeEqual } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkPasswordRules, generateToken, hashPassword, hashToken } from '@berth/crypto';
import { BerthError } from '@berth/protocol';
import type { Repos, Store } from '@berth/store';
import { recordDone, type AuditIntent } from '../audit/intent.js';
import { createId } from '../ids.js';

/**
 * The dashboard's first owner. While the default team has no owner account, every start of
 * berthd makes a fresh one-time setup token, valid an hour, and writes it to
 * `<data-dir>/setup.token` (0600) for `berth up` to print as the setup link
 * (`/setup#TOKEN`: a fragment never reaches a server log or a Referer). Whoever holds it names
 * the first owner's email and password, once. Only its hash is kept, in memory: a restart
 * makes the links printed before it worthless, and the token is never in the database or a log.
 */

export const SETUP_TOKEN_FILE = 'setup.token';
export const SETUP_LINK_MS = 3_600_000;

export interface FirstOwnerSetup {
  /** Whether a link is open now (no owner account yet, token unused and unexpired). */
  open(): boolean;
  /** Creates the first owner with the token; throws SETUP_TOKEN_INVALID or SETUP_DONE. */
  complete(input: { token: string; email: string; password: string }, intent: AuditIntent): Promise<void>;
}

const hasOwnerAccount = async (repos: Repos, teamId: string): Promise<boolean> =>
  (await repos.memberships.listForTeam(teamId)).some((m) => m.role === 'owner');

export async function startFirstOwnerSetup(deps: {
  store: Store;
  dataDir: string;
  defaultTeamId: string;
  clock: () => number;
  log: { info(obj: object, msg: string): void };
}): Promise<FirstOwnerSetup> {
  const { store, dataDir, defaultTeamId, clock } = deps;
  const file = join(dataDir, SETUP_TOKEN_FILE);
  let pending: { hash: Buffer; expiresAt: number } | null = null;
  if (await hasOwnerAccount(store, defaultTeamId)) {
    await rm(file, { force: true });
  } else {
    const token = generateToken('setup');
    pending = { hash: Buffer.from(hashToken(token)), expiresAt: clock() + SETUP_LINK_MS };
    await writeFile(file, `${token}\n`, { mode: 0o600 });
    deps.log.info(
      { file, expiresAt: new Date(pending.expiresAt).toISOString() },
      'first-owner setup link ready',
    );
  }

  const invalid = (): BerthError =>
    new BerthError(
      'SETUP_TOKEN_INVALID',
      'This setup link is not valid (used, expired or from an earlier start)',
      {
        hint: 'Run berth up again (or restart berthd): while there is no owner account it prints a fresh setup link',
      },
    );

  return {
    open: () => pending !== null && clock() < pending.expiresAt,

    async complete({ token, email, password }, intent) {
      const held = pending;
      const sent = Buffer.from(hashToken(token.slice(0, 200)));
      if (
        !held ||
        clock() >= held.expiresAt ||
        sent.length !== held.hash.length ||
        !timingSafeEqual(sent, held.hash)
      )
        throw invalid();
      checkPasswordRules(password);
      const passwordHash = await hashPassword(password);
      const done = await store.transaction(async (tx) => {
        // An owner named another way meanwhile (an invitation the admin token made): the link closes.
        if (await hasOwnerAccount(tx, defaultTeamId)) return false;
        const now = clock();
        const id = createId('usr');
        await tx.users.create({ id, email, passwordHash, createdAt: now, updatedAt: now, disabledAt: null });
        await tx.memberships.put({ userId: id, teamId: defaultTeamId, role: 'owner', createdAt: now });
        await recordDone(
          tx,
          { ...intent, actorKind: 'user', actorId: id, actorName: email, target: `user:${email}` },
          now,
        );
        return true;
      });
      // One use: the first owner exists; whatever happens to the file, the token opens nothing.
      pending = null;
      await rm(file, { force: true });
      if (!done)
        throw new BerthError('SETUP_DONE', 'This installation already has an owner account', {
          hint: 'Log in; an owner can invite more people from the Team page',
        });
    },
  };
}
