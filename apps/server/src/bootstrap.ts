import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from '@berth/store';
import { generateToken, hashToken } from '@berth/crypto';
import { createId } from './ids.js';

/**
 * First start: the default team and project, and an admin token that is shown once and kept in
 * `<data-dir>/admin.token` (0600). Later starts find them and change nothing.
 */
export async function bootstrap(
  store: Store,
  dataDir: string,
  now: number,
): Promise<{ teamId: string; projectId: string; createdAdminToken: boolean }> {
  const defaults = await store.tenancy.ensureDefaults(
    { teamId: createId('tm'), projectId: createId('prj') },
    now,
  );
  if ((await store.tokens.list()).length > 0) return { ...defaults, createdAdminToken: false };
  const token = generateToken('berth');
  await store.transaction(async (tx) => {
    await tx.tokens.create({
      id: createId('tok'),
      name: 'admin',
      hash: hashToken(token),
      role: 'owner',
      teamId: defaults.teamId,
      createdAt: now,
      lastUsedAt: null,
      expiresAt: null,
      revokedAt: null,
    });
    await tx.audit.append({
      at: now,
      actorKind: 'system',
      actorId: null,
      actorName: 'berthd',
      teamId: defaults.teamId,
      requestId: null,
      action: 'token.create',
      target: 'token:admin',
      outcome: 'ok',
      detail: { role: 'owner', reason: 'first start' },
    });
  });
  // Written after the row commits; if we die in between, the next start sees a token row and no
  // file — the README tells how to mint a new one (a later issue adds `berth tokens`).
  await writeFile(join(dataDir, 'admin.token'), `${token}\n`, { mode: 0o600 });
  return { ...defaults, createdAdminToken: true };
}
