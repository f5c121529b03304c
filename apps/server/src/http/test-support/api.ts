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
  close(): Promise<void>;
}

export async function startTestApi(): Promise<TestApi> {
  const dataDir = await mkdtemp(join(tmpdir(), 'berth-api-'));
  const config = parseServerConfig({ BERTHD_DATA_DIR: dataDir });
  const berthd = await startBerthd(config, { listen: false, worker: false });
  await berthd.app.ready();
  const token = (await readFile(join(dataDir, 'admin.token'), 'utf8')).trim();
  const db = openDbSnapshots(join(dataDir, 'berth.db'));
  return {
    app: berthd.app,
    store: berthd.store,
    token,
    dataDir,
    db,
    async close() {
      db.close();
      await berthd.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
