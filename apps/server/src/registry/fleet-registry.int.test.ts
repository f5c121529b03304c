/**
 * The fleet registry berthd runs (real docker-registry, real SQLite): a login per server that
 * is not removed, a removed server's refused at once (no restart), logins derived again after a
 * restart, and a registry left running by a killed berthd stopped by the next start.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openSqliteStore, type Store } from '@berth/store';
import { pino } from 'pino';
import { freePort } from '../../../../test/e2e/support/berth.js';
import { startFleetRegistry, type FleetRegistry } from './fleet-registry.js';

let listen = '';
const log = pino({ level: 'silent' });
let dir: string;
let store: Store;

before(async () => {
  listen = `127.0.0.1:${await freePort()}`;
  dir = await mkdtemp(join(tmpdir(), 'berth-registry-'));
  store = await openSqliteStore({ file: join(dir, 'berth.db') });
  for (const name of ['a', 'b']) {
    await store.servers.create({
      id: `srv_${name.repeat(20)}`,
      name,
      publicKey: `key-${name}`,
      sealingKey: null,
      createdAt: Date.now(),
      lastSeenAt: null,
      labels: {},
      capacity: null,
    });
  }
});
after(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

async function status(registry: FleetRegistry, serverId: string, password?: string): Promise<number> {
  const login = registry.loginFor(serverId);
  const basic = Buffer.from(`${login.name}:${password ?? login.password}`).toString('base64');
  const res = await fetch(`http://${registry.address}/v2/`, { headers: { authorization: `Basic ${basic}` } });
  await res.arrayBuffer();
  return res.status;
}

/** distribution notices a new htpasswd by its modification time, which has a second's grain here. */
const nextSecond = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1100));

test('every server that is not removed logs in with its own password; a removed one is refused at once', async () => {
  const registry = await startFleetRegistry({ dataDir: dir, listen, store, log });
  try {
    const [a, b] = ['srv_' + 'a'.repeat(20), 'srv_' + 'b'.repeat(20)];
    assert.equal(await status(registry, a), 200);
    assert.equal(await status(registry, b), 200);
    assert.notEqual(registry.loginFor(a).password, registry.loginFor(b).password);
    assert.equal(await status(registry, a, registry.loginFor(b).password), 401, "another server's password");
    await nextSecond();
    await store.servers.setState(b, 'removed');
    await registry.sync();
    assert.equal(await status(registry, b), 401, 'removed');
    assert.equal(await status(registry, a), 200);
  } finally {
    await registry.close();
  }
});

test('logins are the same after a restart; a registry left by a killed berthd is stopped first', async () => {
  const first = await startFleetRegistry({ dataDir: dir, listen, store, log });
  const a = 'srv_' + 'a'.repeat(20);
  const password = first.loginFor(a).password;
  const pid = Number((await readFile(join(dir, 'registry', 'registry.pid'), 'utf8')).trim());
  // As if berthd had been killed: its registry still runs and holds the address.
  const second = await startFleetRegistry({ dataDir: dir, listen, store, log });
  try {
    assert.equal(await status(second, a, password), 200);
    assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, 'the old registry process is gone');
  } finally {
    await second.close();
    await first.close();
  }
});

test('a pid file naming a process that is not our registry is left alone', async () => {
  const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    await writeFile(join(dir, 'registry', 'registry.pid'), `${sleeper.pid}\n`);
    const registry = await startFleetRegistry({ dataDir: dir, listen, store, log });
    await registry.close();
    assert.doesNotThrow(() => process.kill(sleeper.pid ?? -1, 0), 'sleep still runs');
  } finally {
    sleeper.kill('SIGKILL');
  }
});
