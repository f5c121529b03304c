/**
 * The fleet's image registry: Debian's docker-registry, run by berthd as its child with storage
 * under `<data-dir>/registry`, one login per server. Images that exist only in one server's
 * engine store (a build, `localhost/…`) are pushed here by that server's agent and pulled by
 * digest by the others (deploy/image-distribution.ts).
 *
 * Logins: each server's password is an HMAC of its id under a key that never leaves the data
 * dir, so none is stored and each can be given again at any time (sealed to its agent). The
 * htpasswd file lists the servers that are not removed; distribution re-reads it when it
 * changes, so a removed server's login stops working at once, with no restart.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startRegistry, writeRegistryUsers, type RegistryUser, type RunningRegistry } from '@berth/engine';
import type { Store } from '@berth/store';
import type { FastifyBaseLogger } from 'fastify';
import { stopStaleProcess } from './stale-process.js';

export interface FleetRegistry {
  /** `IP:PORT` (with a namespace path for an external one), as image names spell it. */
  readonly address: string;
  readonly scheme: 'http' | 'https';
  /** The login of one server (its id is the user name). */
  loginFor(serverId: string): RegistryUser;
  /** Makes sure the server's login works (a server that joined since the last sync). */
  ensureUser(serverId: string): Promise<void>;
  /** Rewrites the logins from the store's servers (one removed loses its own). */
  sync(): Promise<void>;
  close(): Promise<void>;
}

export interface FleetRegistryOptions {
  dataDir: string;
  listen: string;
  store: Store;
  log: FastifyBaseLogger;
}

/** berthd's own login: the registry never runs with no user, even before a server joins. */
const BERTHD_USER = 'berthd';

export async function startFleetRegistry(options: FleetRegistryOptions): Promise<FleetRegistry> {
  const dir = join(options.dataDir, 'registry');
  const key = await loginKey(dir);
  const loginFor = (name: string): RegistryUser => ({
    name,
    // 43 characters: far from bcrypt's 72-byte limit, and 256 bits.
    password: createHmac('sha256', key).update(`berth-registry-login:${name}`).digest('base64url'),
  });
  const wanted = async (): Promise<string[]> =>
    (await options.store.servers.list()).filter((s) => s.state !== 'removed').map((s) => s.id);

  const pidFile = join(dir, 'registry.pid');
  // A registry left by a berthd that was killed holds the port: only that process is stopped.
  await stopStaleProcess(pidFile, 'docker-registry');
  let users = new Set(await wanted());
  const running: RunningRegistry = await startRegistry({
    dataDir: dir,
    listen: options.listen,
    users: [BERTHD_USER, ...users].map(loginFor),
  });
  await writeFile(pidFile, `${running.pid}\n`, { mode: 0o600 });
  options.log.info({ registry: running.address, servers: users.size }, 'fleet registry started');

  /** Each login's htpasswd line, so a new server costs one bcrypt hash, not one per server. */
  const hashed = new Map<string, { password: string; line: string }>();
  let writing: Promise<void> = Promise.resolve();
  const write = (ids: readonly string[]): Promise<void> => {
    writing = writing
      .catch(() => undefined)
      .then(async () => {
        await writeRegistryUsers(dir, [BERTHD_USER, ...ids].map(loginFor), hashed);
        users = new Set(ids);
      });
    return writing;
  };

  return {
    address: running.address,
    scheme: 'http',
    loginFor,
    async ensureUser(serverId) {
      if (users.has(serverId)) return;
      await write([...new Set([...(await wanted()), serverId])]);
    },
    async sync() {
      await write(await wanted());
    },
    async close() {
      await writing.catch(() => undefined);
      await running.stop();
    },
  };
}

/** The key logins are derived from: 32 random bytes made on first start, 0600. */
async function loginKey(dir: string): Promise<Buffer> {
  const file = join(dir, 'login.key');
  const existing = await readFile(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (existing !== null) return existing;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  // `wx`: two starts racing never end with different keys.
  await writeFile(file, key, { mode: 0o600, flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  return readFile(file);
}
