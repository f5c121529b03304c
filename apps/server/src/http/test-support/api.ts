import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '@berth/store';
import type { FastifyInstance } from 'fastify';
import { parseServerConfig } from '../../config.js';
import { startBerthd } from '../../server.js';
import { openDbSnapshots, type DbSnapshots } from './db-snapshot.js';

/**
 * The HTTP API over a real SQLite file in a fresh temp dir, wired as berthd is, minus the job
 * worker and the listener. Without an agent, the worker would pick up every queued deploy,
 * fail to resolve its image and retry in the background: rows would change under the tests'
 * "nothing was written" checks. The worker and the deploy job have tests of their own.
 */
export interface TestApi {
  app: FastifyInstance;
  store: Store;
  /** The owner token bootstrap wrote to `<dataDir>/admin.token`. */
  token: string;
  dataDir: string;
  db: DbSnapshots;
  /** The id of the default team bootstrap created (the installation owners' team). */
  defaultTeamId: string;
  /** berthd's clock. */
  clock: () => number;
  close(): Promise<void>;
}

export interface TestApiOptions {
  /** berthd's clock (Date.now by default): tests of expiry move it forward instead of waiting. */
  clock?: () => number;
  /**
   * Keep the data dir in memory (/dev/shm, where there is one): the store's checkpointer syncs
   * the file every second, and for thousands of requests on a busy disk that is most of the time.
   */
  inMemory?: boolean;
  /** Start on this data dir (a restart of an earlier berthd); it is left in place on close. */
  dataDir?: string;
  /** More BERTHD_* settings, as main.ts would read them from the environment. */
  env?: Record<string, string>;
  /** Run the job worker (off by default: see TestApi). */
  worker?: boolean;
}

export async function startTestApi(options: TestApiOptions = {}): Promise<TestApi> {
  const parent = options.inMemory && existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const dataDir = options.dataDir ?? (await mkdtemp(join(parent, 'berth-api-')));
  const config = parseServerConfig({ ...options.env, BERTHD_DATA_DIR: dataDir });
  const berthd = await startBerthd(config, {
    listen: false,
    worker: options.worker ?? false,
    ...(options.clock && { clock: options.clock }),
  });
  await berthd.app.ready();
  const token = (await readFile(join(dataDir, 'admin.token'), 'utf8')).trim();
  const db = openDbSnapshots(join(dataDir, 'berth.db'));
  const defaultTeam = await berthd.store.teams.getByName('default');
  if (!defaultTeam) throw new Error('bootstrap created no default team');
  return {
    defaultTeamId: defaultTeam.id,
    clock: options.clock ?? Date.now,
    app: berthd.app,
    store: berthd.store,
    token,
    dataDir,
    db,
    async close() {
      db.close();
      await berthd.close();
      if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A clock a test moves by hand. */
export interface TestClock {
  now: () => number;
  advance(ms: number): void;
}

export function createTestClock(start = Date.now()): TestClock {
  let at = start;
  return {
    now: () => at,
    advance(ms) {
      at += ms;
    },
  };
}
