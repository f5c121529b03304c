import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore, type Store } from '@berth/store';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { createAgentGateway } from '../../agents/gateway.js';
import { bootstrap } from '../../bootstrap.js';
import { parseServerConfig } from '../../config.js';
import { createDeployService } from '../../deploy/service.js';
import { createHttpApp } from '../app.js';
import { openDbSnapshots, type DbSnapshots } from './db-snapshot.js';

/**
 * The HTTP API over a real SQLite file in a fresh temp dir, wired as startBerthd wires it, minus
 * the job worker and the listener. Without an agent, the worker would pick up every queued deploy,
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
  const clock = Date.now;
  const log = pino({ level: 'silent' });
  const dbFile = join(dataDir, 'berth.db');
  const store = await openSqliteStore({ file: dbFile });
  const defaults = await bootstrap(store, dataDir, clock());
  const agents = createAgentGateway({ store, clock, log, settings: config });
  const service = createDeployService({ store, clock, onChange: () => void agents.pushDesired() });
  const app = await createHttpApp({ store, service, agents, config, clock, defaults }, log);
  await app.ready();
  const token = (await readFile(join(dataDir, 'admin.token'), 'utf8')).trim();
  const db = openDbSnapshots(dbFile);
  return {
    app,
    store,
    token,
    dataDir,
    db,
    async close() {
      db.close();
      agents.close();
      await app.close();
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
