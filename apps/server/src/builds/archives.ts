import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BerthError, TERMINAL_BUILD_STATUSES } from '@berth/protocol';
import type { Store } from '@berth/store';

/**
 * Uploaded source directories (`berth deploy --from-dir`), kept as tar files under the data dir
 * until their build ends. The agent downloads one with a capability token: an HMAC of the build
 * id and an expiry under a key that lives only in this process, so a token outlives neither its
 * hour nor a restart of berthd (the build job then asks for a fresh one).
 */
export interface ArchiveStore {
  /** Streams the upload to disk, hashing it; refuses past maxBytes (nothing is kept then). */
  save(buildId: string, body: Readable, maxBytes: number): Promise<{ sha256: string; bytes: number }>;
  open(buildId: string): Promise<{ stream: Readable; bytes: number } | null>;
  remove(buildId: string): Promise<void>;
  /** The build ids of every kept upload, and of uploads a crash left half-written. */
  list(): Promise<string[]>;
  /** A URL path the agent can GET within the hour. */
  downloadPath(buildId: string, now: number): string;
  verify(buildId: string, token: string, now: number): boolean;
}

const TOKEN_TTL_MS = 60 * 60_000;

export function createArchiveStore(dataDir: string): ArchiveStore {
  const dir = join(dataDir, 'uploads');
  const key = randomBytes(32);
  const file = (buildId: string): string => join(dir, `${buildId}.tar`);
  const mac = (buildId: string, expires: number): string =>
    createHmac('sha256', key).update(`${buildId}:${expires}`).digest('base64url');

  return {
    async save(buildId, body, maxBytes) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const hash = createHash('sha256');
      let bytes = 0;
      const target = file(buildId);
      const partial = `${target}.part`;
      const out = createWriteStream(partial, { mode: 0o600 });
      try {
        await pipeline(
          body,
          async function* (source: AsyncIterable<Buffer>) {
            for await (const chunk of source) {
              bytes += chunk.length;
              if (bytes > maxBytes) {
                throw new BerthError('BODY_TOO_LARGE', `The upload is larger than ${maxBytes} bytes`, {
                  hint: 'Leave build output and dependencies out with .dockerignore or .gitignore',
                });
              }
              hash.update(chunk);
              yield chunk;
            }
          },
          out,
        );
        // Complete only once whole: a file under the final name is never a torn upload.
        await rename(partial, target);
      } catch (err) {
        // The file may open after the failure (the stream opens it asynchronously): wait for
        // the stream to close, then delete, so no refused upload leaves bytes behind.
        out.destroy();
        if (!out.closed) await once(out, 'close').catch(() => undefined);
        await rm(partial, { force: true });
        throw err;
      }
      return { sha256: hash.digest('hex'), bytes };
    },

    async open(buildId) {
      const s = await stat(file(buildId)).catch(() => null);
      if (!s) return null;
      return { stream: createReadStream(file(buildId)), bytes: s.size };
    },

    remove: async (buildId) => {
      await rm(file(buildId), { force: true });
      await rm(`${file(buildId)}.part`, { force: true });
    },

    async list() {
      const names = await readdir(dir).catch(() => []);
      return [
        ...new Set(
          names
            .map((n) => /^(bld_[a-z2-7]{20})\.tar(?:\.part)?$/.exec(n)?.[1])
            .filter((id) => id !== undefined),
        ),
      ];
    },

    downloadPath(buildId, now) {
      const expires = now + TOKEN_TTL_MS;
      return `/api/v1/agent/archives/${buildId}?token=${expires.toString(36)}-${mac(buildId, expires)}`;
    },

    verify(buildId, token, now) {
      const m = /^([0-9a-z]+)-([A-Za-z0-9_-]+)$/.exec(token);
      if (!m?.[1] || !m[2]) return false;
      const expires = parseInt(m[1], 36);
      if (!Number.isSafeInteger(expires) || expires < now) return false;
      const want = Buffer.from(mac(buildId, expires));
      const got = Buffer.from(m[2]);
      return want.length === got.length && timingSafeEqual(want, got);
    },
  };
}

/**
 * At startup, before any upload can arrive: deletes uploads no build waits for any more (their
 * build ended, or its app was deleted, or berthd died while receiving them).
 */
export async function removeOrphanArchives(store: Store, archives: ArchiveStore): Promise<void> {
  for (const id of await archives.list()) {
    const build = await store.builds.get(id);
    if (!build || TERMINAL_BUILD_STATUSES.includes(build.status)) await archives.remove(id);
  }
}
