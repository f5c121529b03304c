import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from '@berth/store';
import { generateToken, hashToken } from './http/auth.js';
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
  const token = generateToken();
  await store.tokens.create({
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
  // Written after the row commits; if we die in between, the next start sees a token row and no
  // file — the README tells how to mint a new one (a later issue adds `berth tokens`).
  await writeFile(join(dataDir, 'admin.token'), `${token}\n`, { mode: 0o600 });
  return { ...defaults, createdAdminToken: true };
}
