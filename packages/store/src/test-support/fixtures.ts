import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { LIMIT_DEFAULTS } from '@berth/protocol';
import { openSqliteStore } from '../sqlite.js';
import type { AppRow, DeploymentRow, ReleaseRow, Store } from '../types.js';

/** Fixtures shared by the store's tests: real SQLite files in a fresh temp dir. */

export const NOW = 1_700_000_000_000;

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** An id like the real ones: `app_` + 20 base32 characters. */
export function newId(prefix: string): string {
  const bytes = randomBytes(20);
  let tail = '';
  for (const b of bytes) tail += BASE32[b % 32];
  return `${prefix}_${tail}`;
}

export interface TempDir {
  dir: string;
  file: string;
  remove(): Promise<void>;
}

export async function tempDir(): Promise<TempDir> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-store-'));
  return {
    dir,
    file: join(dir, 'data', 'berth.db'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

export interface Env {
  store: Store;
  projectId: string;
  teamId: string;
  tmp: TempDir;
  /** Opens another connection to the same file, as a second process would. */
  reopen: () => Promise<Store>;
  done: () => Promise<void>;
}

/**
 * Every test gets its own real database file, copied from one migrated in this process: migrating
 * a fresh file is most of the cost of opening one, and the migration has tests of its own.
 */
let template: Promise<{ file: string; teamId: string; projectId: string }> | undefined;

function migratedTemplate(): Promise<{ file: string; teamId: string; projectId: string }> {
  template ??= (async () => {
    const tmp = await tempDir();
    process.once('exit', () => rmSync(tmp.dir, { recursive: true, force: true }));
    const store = await openSqliteStore({ file: tmp.file });
    const ids = await store.tenancy.ensureDefaults({ teamId: newId('team'), projectId: newId('prj') }, NOW);
    await store.close(); // checkpoints the WAL into the file, so the file alone is the database
    return { file: tmp.file, ...ids };
  })();
  return template;
}

export async function openTempStore(): Promise<Env> {
  const from = await migratedTemplate();
  const tmp = await tempDir();
  await mkdir(dirname(tmp.file), { recursive: true });
  await copyFile(from.file, tmp.file);
  const store = await openSqliteStore({ file: tmp.file });
  const { teamId, projectId } = from;
  const extra: Store[] = [];
  return {
    store,
    teamId,
    projectId,
    tmp,
    reopen: async () => {
      const s = await openSqliteStore({ file: tmp.file });
      extra.push(s);
      return s;
    },
    done: async () => {
      for (const s of extra) await s.close();
      await store.close();
      await tmp.remove();
    },
  };
}

export const HEALTH = {
  type: 'http',
  path: '/',
  intervalMs: 1000,
  timeoutMs: 10_000,
  probeTimeoutMs: 1000,
} as const;

/** An app in the given project; teamId must be that project's team, as reads return it. */
export function appRow(at: { projectId: string; teamId: string }, over: Partial<AppRow> = {}): AppRow {
  return {
    id: newId('app'),
    projectId: at.projectId,
    teamId: at.teamId,
    name: 'web',
    image: 'localhost/hello:1',
    port: 8080,
    command: null,
    env: { A: '1' },
    health: { ...HEALTH },
    replicas: 1,
    currentReleaseId: null,
    currentReplicas: 0,
    currentDeploymentId: null,
    rolloutDirection: 'forward',
    settingsDeploymentId: null,
    constraints: [],
    strategy: 'rolling',
    source: null,
    portSet: true,
    limits: { ...LIMIT_DEFAULTS },
    createdAt: NOW,
    updatedAt: NOW,
    ...over,
  };
}

export function releaseRow(appId: string, version: number, over: Partial<ReleaseRow> = {}): ReleaseRow {
  return {
    id: newId('rel'),
    appId,
    version,
    image: `localhost/hello:${version}`,
    imageId: null,
    env: { A: String(version) },
    port: 8080,
    command: ['node', 'server.js'],
    health: { ...HEALTH },
    replicas: 1,
    limits: { ...LIMIT_DEFAULTS },
    buildId: null,
    commit: null,
    registryDigest: null,
    createdAt: NOW + version,
    ...over,
  };
}

export function deploymentRow(
  appId: string,
  releaseId: string,
  over: Partial<DeploymentRow> = {},
): DeploymentRow {
  return {
    id: newId('dep'),
    appId,
    releaseId,
    kind: 'deploy',
    status: 'queued',
    replicas: 1,
    previousReleaseId: null,
    previousReplicas: null,
    idempotencyKey: null,
    requestHash: null,
    error: null,
    buildId: null,
    requestedBy: null,
    createdAt: NOW,
    startedAt: null,
    finishedAt: null,
    ...over,
  };
}
