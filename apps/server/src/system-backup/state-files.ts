import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { SystemBackupFile } from '@berth/crypto';

/** The database, relative to the data dir; snapshotted, never copied (it is live, in WAL mode). */
export const DATABASE_FILE = 'berth.db';

/**
 * Every file of the data dir, besides the database, that a restored berthd needs to open and
 * be what the database says it is. What is left out is rebuilt or re-fetched: `uploads/`
 * (build inputs, removed once built), `run/`, `logs/`, `caddy/`, `podman/`, the registry's
 * image layers (`registry/` but its login key: rebuilt by the next build or deploy) and the
 * agent's engine state.
 */
export const STATE_FILES: readonly { path: string; why: string }[] = [
  { path: 'master.key', why: 'the master keys: every sealed value in the database opens only with them' },
  { path: 'audit.head', why: "the signed head of the audit chain: verify compares the log's end with it" },
  { path: 'ca.key', why: "berthd's internal CA: agents and CLIs pin it, so it must stay the same" },
  { path: 'ca.crt', why: 'the CA certificate beside ca.key' },
  {
    path: 'admin.token',
    why: 'the first owner token (its hash is in the database); the CLI on this machine reads it',
  },
  { path: 'registry/login.key', why: "derives the fleet registry's logins that agents were given" },
  // `berth up` runs its agent in the same data dir: with its keys, it is the same server again.
  {
    path: 'agent/identity.key',
    why: "the local agent's identity (berth up): the database knows its public key",
  },
  {
    path: 'agent/identity.pub',
    why: "the local agent's public key, trusted by berthd through BERTHD_LOCAL_AGENT_KEY",
  },
  { path: 'agent/agent.id', why: "the local agent's id" },
  { path: 'agent/sealing.key', why: 'the key values are sealed to for the local agent' },
];

/** The state files present in `dataDir`, read with their modes. */
export async function readStateFiles(dataDir: string): Promise<SystemBackupFile[]> {
  const out: SystemBackupFile[] = [];
  for (const { path } of STATE_FILES) {
    const file = join(dataDir, ...path.split('/'));
    const info = await stat(file).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw err;
    });
    if (info === null || !info.isFile()) continue;
    out.push({ path, mode: info.mode & 0o777, data: await readFile(file) });
  }
  return out;
}
