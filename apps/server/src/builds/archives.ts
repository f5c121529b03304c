import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BerthError } from '@berth/protocol';

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
          createWriteStream(target, { mode: 0o600 }),
        );
      } catch (err) {
        await rm(target, { force: true });
        throw err;
      }
      return { sha256: hash.digest('hex'), bytes };
    },

    async open(buildId) {
      const s = await stat(file(buildId)).catch(() => null);
      if (!s) return null;
      return { stream: createReadStream(file(buildId)), bytes: s.size };
    },

    remove: (buildId) => rm(file(buildId), { force: true }),

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
