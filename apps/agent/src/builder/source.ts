import { createHash } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { fetchSource, unpackArchive } from '@berth/engine';
import { BerthError, agentBuildAad, type AgentBuildParams } from '@berth/protocol';

/** Limits for an uploaded directory as the agent unpacks it. */
const MAX_ARCHIVE_FILES = 100_000;

export interface FetchedSource {
  dir: string;
  /** The git commit, or `dir-<sha256 prefix>` for an upload. */
  commit: string;
  subject: string | null;
  /** Removes what was only for this build (an unpacked upload); a git checkout is kept for the next fetch. */
  cleanup(): Promise<void>;
}

export interface SourceDeps {
  workDir: string;
  /** berthd's HTTP base, e.g. http://127.0.0.1:7070: uploads are downloaded from it. */
  serverHttpBase: string;
  /** fetch as the agent reaches berthd: over TLS, trusting the pinned CA (see @berth/client). */
  serverFetch: (url: string, init: RequestInit) => Promise<Response>;
  openSealed(sealed: string, aad: string): string;
}

/** Gets a build's source onto this server: a git checkout (kept per app) or an unpacked upload. */
export async function fetchBuildSource(
  deps: SourceDeps,
  params: AgentBuildParams,
  onLine: (line: string) => void,
  signal: AbortSignal,
): Promise<FetchedSource> {
  const { source } = params;
  if (source.type === 'git') {
    const dir = join(deps.workDir, 'git', params.appId);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const at = source.commit ?? `${source.ref.kind} ${source.ref.name}`;
    onLine(`==> Fetching ${source.url} (${at})`);
    const credentials = {
      ...(source.token && { token: deps.openSealed(source.token, agentBuildAad(params.buildId, 'token')) }),
      ...(source.sshKey && {
        sshPrivateKey: deps.openSealed(source.sshKey, agentBuildAad(params.buildId, 'ssh-key')),
      }),
    };
    const got = await fetchSource({
      url: source.url,
      ref: source.ref,
      ...(source.commit && { commit: source.commit }),
      ...(source.requireTip && { requireTip: true }),
      dir,
      credentials,
      signal,
      onLine: (l) => onLine(`    ${l}`),
    });
    onLine(`==> Commit ${got.commit.slice(0, 12)}: ${got.subject}`);
    return { dir, commit: got.commit, subject: got.subject, cleanup: () => Promise.resolve() };
  }

  const dir = join(deps.workDir, 'uploads', params.buildId);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  try {
    return await downloadUpload(deps, source, dir, signal, onLine);
  } catch (err) {
    // A refused or broken upload leaves nothing of itself behind.
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

async function downloadUpload(
  deps: SourceDeps,
  source: Extract<AgentBuildParams['source'], { type: 'archive' }>,
  dir: string,
  signal: AbortSignal,
  onLine: (line: string) => void,
): Promise<FetchedSource> {
  onLine(`==> Downloading the uploaded directory (${Math.ceil(source.bytes / 1024)} KiB)`);
  const res = await deps
    .serverFetch(deps.serverHttpBase + source.path, { signal })
    .catch((cause: unknown) => {
      throw new BerthError('AGENT_UNAVAILABLE', 'Could not download the upload from berthd', { cause });
    });
  if (!res.ok || !res.body) {
    throw new BerthError('BUILD_SOURCE_MISSING', `The upload could not be downloaded (HTTP ${res.status})`);
  }
  const hash = createHash('sha256');
  // Hashed as it passes (a 'data' listener would start the flow before the unpacker reads).
  const hashed = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>).pipe(
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    }),
  );
  await unpackArchive(hashed, dir, { maxBytes: source.bytes + 1024 * 1024, maxFiles: MAX_ARCHIVE_FILES });
  const sha = hash.digest('hex');
  if (sha !== source.sha256) {
    throw new BerthError('BUILD_FAILED', 'The downloaded upload does not match what was uploaded');
  }
  return {
    dir,
    commit: `dir-${sha.slice(0, 12)}`,
    subject: null,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
