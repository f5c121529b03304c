/**
 * Database backups for real (issue 12): PostgreSQL, MariaDB and Redis from the bootstrapped
 * images, run hardened on engine volumes by a Podman service of the test's own. For each:
 * seed data (tables with a quote and a space in their names, a few thousand rows; Redis keys of
 * every type in two databases), back up through the agent's backup.create (dump → compress →
 * encrypt → directory target), verify through backup.restore (read back, hash and chunks
 * checked, loaded into a scratch database whose counts must equal the source's), show that a
 * corrupted object fails with a clear reason and leaves no scratch behind, then restore into a
 * new database and compare it with the original row by row (keys and values for Redis).
 *
 * Fakes: the agent's identity sealing is the identity function (berthd seals the data key to
 * the agent in production; that is tested in the crypto package), and berthd's private backup
 * key is a fresh key pair held by the test.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { copyFile, mkdir, mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  DATABASE_DATA_DIR,
  LABELS,
  databaseContainerSpec,
  generateDatabaseCredentials,
  toEngineVolumeName,
  type DatabaseCredentials,
} from '@berth/core';
import { decryptBackup, generateSealingKeyPair, unwrapDataKey } from '@berth/crypto';
import {
  createDirectoryTarget,
  createDockerApiEngine,
  decompressStream,
  detectCompression,
  restoreDatabaseDump,
  runContainerTool,
  type ContainerEngine,
} from '@berth/engine';
import { BerthError, type DatabaseEngine } from '@berth/protocol';
import { exportDatabaseImages, type DatabaseImageKind } from '../../../test/support/database-images.js';
import { startTestPodman, type TestPodman } from '../../../test/support/podman.js';
import { createBackup, restoreBackup, type BackupDeps } from './backups.js';
import { SCRATCH_LABEL, sweepBackupScratch } from './backup-scratch.js';

const AGENT_ID = `agt_dbbackup${randomBytes(4).toString('hex')}`;
const KIND: Record<DatabaseEngine, DatabaseImageKind> = {
  postgres: 'postgres',
  mysql: 'mariadb',
  redis: 'redis',
};

let dir: string;
let targetRoot: string;
let podman: TestPodman;
let engine: ContainerEngine;
let images: Record<DatabaseImageKind, string>;
let deps: BackupDeps;
const keys = generateSealingKeyPair();
const started = Date.now();

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-db-backups-'));
  targetRoot = join(dir, 'target');
  await mkdir(targetRoot);
  podman = await startTestPodman(join(dir, 'podman'));
  images = await exportDatabaseImages({
    socketPath: podman.socketPath,
    workDir: dir,
    tag: randomBytes(4).toString('hex'),
  });
  engine = createDockerApiEngine({ socketPath: podman.socketPath, timeoutMs: 60_000 });
  deps = {
    engine,
    agentId: AGENT_ID,
    openSealed: (sealed) => sealed,
    databaseImage: (kind) => images[KIND[kind]],
  };
  console.log(`images ready after ${Math.round((Date.now() - started) / 1000)} s`);
});

after(async () => {
  if (engine !== undefined) {
    for (const c of await engine.list({ [LABELS.agent]: AGENT_ID })) await engine.stopAndRemove(c.id, 0);
    for (const v of await engine.listVolumes({ [LABELS.agent]: AGENT_ID })) await engine.removeVolume(v.name);
  }
  // The images carry this run's own tag: untagging them leaves other tests' names alone.
  for (const ref of Object.values(images ?? {}))
    await promisify(execFile)('podman', ['--url', `unix://${podman.socketPath}`, 'rmi', '-f', ref]).catch(
      () => undefined,
    );
  await podman?.stop();
  await rm(dir, { recursive: true, force: true });
  console.log(`whole file: ${Math.round((Date.now() - started) / 1000)} s`);
});

const labels = (appId: string | null): Record<string, string> => ({
  [LABELS.managed]: 'true',
  [LABELS.agent]: AGENT_ID,
  ...(appId === null ? {} : { [LABELS.app]: appId }),
});

async function newVolume(): Promise<string> {
  const id = [...randomBytes(20)].map((b) => 'abcdefghijklmnopqrstuvwxyz234567'[b & 31]).join('');
  const name = toEngineVolumeName(`vol_${id}`);
  await engine.ensureVolume({ name, labels: labels(null) });
  return name;
}

/** A database as the agent runs one: the app's replica, hardened, on its volume (no network needed here). */
async function startDatabase(
  kind: DatabaseEngine,
  volume: string,
  credentials: DatabaseCredentials,
  appId: string,
): Promise<string> {
  const spec = databaseContainerSpec(kind, credentials, 256);
  const c = await engine.createAndStart({
    name: `berth-dbbackup-test-${randomBytes(4).toString('hex')}`,
    imageId: images[KIND[kind]],
    env: spec.env,
    command: spec.command,
    labels: labels(appId),
    port: spec.port,
    publishHost: '127.0.0.1',
    publish: false,
    network: 'none',
    dns: null,
    limits: { cpu: 1, memoryMiB: spec.memoryMiB, pids: 512 },
    files: [],
    volumes: [{ name: volume, target: DATABASE_DATA_DIR }],
  });
  const deadline = Date.now() + 90_000;
  for (;;) {
    const probe = await runContainerTool(engine, c.id, spec.health.command);
    if (
      probe.code === 0 &&
      (spec.health.expectOutput === null || probe.stdout.trim() === spec.health.expectOutput)
    )
      return c.id;
    assert.ok(Date.now() < deadline, `${kind} never became healthy: ${probe.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

async function sh(container: string, cmd: string[], input?: string): Promise<string> {
  const out = await runContainerTool(engine, container, cmd, input);
  assert.equal(out.code, 0, `${cmd.join(' ')}: ${out.stderr}`);
  return out.stdout;
}

const redisSeed = (): string => {
  const lines = Array.from({ length: 2000 }, (_, i) => `SET key:${i} "value ${i}"`);
  lines.push(
    `SET "key with 'quote' and space" "x"`,
    'RPUSH list a b c',
    'HSET hash f1 v1 f2 "v 2"',
    'SADD set x y z',
    'ZADD zset 1 one 2 two',
    'XADD stream 1-1 field value',
    'SELECT 1',
    'SET other 1',
  );
  return `${lines.join('\n')}\n`;
};

interface Case {
  engine: DatabaseEngine;
  seed: { cmd: string[]; input: string };
  expected: { name: string; count: number }[];
  /** What must be equal between the original and the restored copy, read the same way on both. */
  snapshot: (container: string) => Promise<string>;
}

const psql = (sql: string): string[] => ['psql', '-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql];
const mariadb = (sql: string): string[] => ['mariadb', '--user=root', '--batch', 'app', '-e', sql];

const cases: Case[] = [
  {
    engine: 'postgres',
    seed: {
      cmd: ['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1'],
      input: `CREATE TABLE notes (id int PRIMARY KEY, body text);
INSERT INTO notes SELECT g, 'note ' || g || E' with ''quotes'' and\\na newline' FROM generate_series(1, 3000) g;
CREATE TABLE "it's a ""table""" (id int PRIMARY KEY, v numeric);
INSERT INTO "it's a ""table""" SELECT g, g * 1.5 FROM generate_series(1, 1200) g;
CREATE SCHEMA extra;
CREATE TABLE extra.empty (id int);
`,
    },
    expected: [
      { name: 'extra.empty', count: 0 },
      { name: `public."it's a ""table"""`, count: 1200 },
      { name: 'public.notes', count: 3000 },
    ],
    snapshot: async (c) =>
      (await sh(c, psql('SELECT * FROM notes ORDER BY id'))) +
      (await sh(c, psql(`SELECT * FROM "it's a ""table""" ORDER BY id`))),
  },
  {
    engine: 'mysql',
    seed: {
      cmd: ['mariadb', '--user=root', 'app'],
      input: `CREATE TABLE notes (id INT PRIMARY KEY, body TEXT);
INSERT INTO notes SELECT seq, CONCAT('note ', seq, ' with ''quotes'' and\\na newline') FROM seq_1_to_3000;
CREATE TABLE \`it's a "table"\` (id INT PRIMARY KEY, v DECIMAL(10,2));
INSERT INTO \`it's a "table"\` SELECT seq, seq * 1.5 FROM seq_1_to_1200;
CREATE TABLE empty (id INT);
`,
    },
    expected: [
      { name: 'empty', count: 0 },
      { name: `it's a "table"`, count: 1200 },
      { name: 'notes', count: 3000 },
    ],
    snapshot: async (c) =>
      (await sh(c, mariadb('SELECT * FROM notes ORDER BY id'))) +
      (await sh(c, mariadb('SELECT * FROM `it\'s a "table"` ORDER BY id'))),
  },
  {
    engine: 'redis',
    seed: { cmd: ['redis-cli'], input: redisSeed() },
    expected: [
      { name: 'db0', count: 2006 },
      { name: 'db1', count: 1 },
    ],
    snapshot: async (c) => {
      const keyList = (await sh(c, ['redis-cli', '--scan'])).split('\n').sort().join('\n');
      const values = await sh(
        c,
        ['redis-cli'],
        [
          'GET key:0',
          'GET key:1999',
          `GET "key with 'quote' and space"`,
          'LRANGE list 0 -1',
          'HGETALL hash',
          'SMEMBERS set',
          'ZRANGE zset 0 -1 WITHSCORES',
          'XRANGE stream - +',
          'SELECT 1',
          'GET other',
        ].join('\n'),
      );
      // SMEMBERS' order is the set's own: compare the lines as a multiset.
      return `${keyList}\n${values.split('\n').sort().join('\n')}`;
    },
  },
];

for (const c of cases)
  describe(`${c.engine} backups`, () => {
    const appId = `app_${randomBytes(8).toString('hex')}`;
    const backupId = `bkp_${randomBytes(8).toString('hex')}`;
    const objectKey = `db/${c.engine}/${backupId}.berth`;
    let source: string;
    let made: Awaited<ReturnType<typeof createBackup>>;

    test('backed up: the dump is encrypted to the target with the counts at dump time', async () => {
      const t0 = Date.now();
      source = await startDatabase(
        c.engine,
        await newVolume(),
        generateDatabaseCredentials((n) => randomBytes(n)),
        appId,
      );
      await sh(source, c.seed.cmd, c.seed.input);
      made = await createBackup(deps, {
        backupId,
        source: { kind: 'database', appId, engine: c.engine },
        target: { kind: 'dir', root: targetRoot },
        objectKey,
        recipientPublicKey: keys.publicKey,
      });
      assert.equal(made.tree, null);
      assert.deepEqual(made.database?.counts, {
        unit: c.engine === 'redis' ? 'keys' : 'rows',
        counts: c.expected,
      });
      assert.equal(made.database?.sourceStable, true);
      if (c.engine === 'redis')
        assert.match(made.database?.toolOutput ?? '', /Transfer finished with success/);
      assert.equal((await stat(join(targetRoot, objectKey))).size, made.bytes);
      console.log(`${c.engine}: started, seeded, backed up in ${Date.now() - t0} ms (${made.bytes} bytes)`);
    });

    const dataKeyOf = (): string =>
      unwrapDataKey(keys.privateKeyPem, backupId, made.wrappedKey).toString('base64');
    const verifyParams = (key: string) => ({
      backupId,
      target: { kind: 'dir' as const, root: targetRoot },
      objectKey: key,
      sha256: made.sha256,
      dataKeySealed: dataKeyOf(),
      expected: made.database ?? assert.fail('no database summary'),
      into: null,
      database: { appId, engine: c.engine },
    });

    test('verified: read back, loaded into a scratch database, the same counts', async () => {
      const t0 = Date.now();
      const verified = await restoreBackup(deps, verifyParams(objectKey));
      assert.deepEqual(verified.counts?.counts, c.expected);
      assert.match(verified.output, /sha256 [0-9a-f]{64} matches/);
      assert.match(verified.output, /equals the source at dump time/);
      if (c.engine === 'redis') assert.match(verified.output, /RDB looks OK.*2007 keys read/); // every database's keys: 2006 + 1
      assert.deepEqual(await scratchLeft(), [], 'the scratch container and volume are removed');
      console.log(`${c.engine}: verified in ${Date.now() - t0} ms:\n${verified.output}`);
    });

    test('a corrupted object fails verification with the reason, and leaves no scratch', async () => {
      const bad = `${objectKey}.corrupt`;
      await copyFile(join(targetRoot, objectKey), join(targetRoot, bad));
      const handle = await open(join(targetRoot, bad), 'r+');
      const middle = Math.floor(made.bytes / 2);
      const byte = Buffer.alloc(1);
      await handle.read(byte, 0, 1, middle);
      await handle.write(Buffer.from([byte[0]! ^ 0x55]), 0, 1, middle);
      await handle.close();
      await assert.rejects(restoreBackup(deps, verifyParams(bad)), (e: unknown) => {
        assert.ok(e instanceof BerthError, String(e));
        assert.equal(e.code, 'BACKUP_INTEGRITY_FAILED', e.message);
        return true;
      });
      assert.deepEqual(await scratchLeft(), []);
    });

    test('restored into a new database: equal to the original row by row', async () => {
      const t0 = Date.now();
      const target = await createDirectoryTarget({ root: targetRoot });
      const decrypted = await decryptBackup(await target.get(objectKey), {
        backupId,
        open: () => Buffer.from(dataKeyOf(), 'base64'),
        expectedSha256: made.sha256,
      });
      const compression = await detectCompression();
      const volume = await newVolume();
      const credentials = generateDatabaseCredentials((n) => randomBytes(n));
      const restored = await restoreDatabaseDump({
        engine,
        kind: c.engine,
        image: images[KIND[c.engine]],
        labels: labels(null),
        dump: decompressStream(
          decrypted.stream,
          decrypted.header.compression,
          compression.kind === 'zstd' ? compression.file : null,
        ),
        volume,
        credentials,
      });
      assert.deepEqual(restored.counts.counts, c.expected);
      const copy = await startDatabase(
        c.engine,
        volume,
        credentials,
        `app_${randomBytes(8).toString('hex')}`,
      );
      const original = await c.snapshot(source);
      assert.ok(original.length > 1000, 'the snapshot reads the data');
      assert.equal(await c.snapshot(copy), original);
      console.log(`${c.engine}: restored and compared in ${Date.now() - t0} ms`);
    });
  });

async function scratchLeft(): Promise<string[]> {
  const left = (await engine.list({ [LABELS.agent]: AGENT_ID })).filter((x) =>
    Object.keys(x.labels).some((k) => k === 'berth.backup.database-loader'),
  );
  const volumes = (await engine.listVolumes({ [LABELS.agent]: AGENT_ID })).filter(
    (v) => v.labels['berth.backup.database-loader'] !== undefined,
  );
  return [...left.map((x) => x.name), ...volumes.map((v) => v.name)];
}

test('an agent that starts again removes what a cut-off backup left (scratch containers and volumes), nothing else', async () => {
  const kept = await newVolume();
  const scratchVolume = toEngineVolumeName(`vol_${'s'.repeat(20)}`);
  await engine.ensureVolume({
    name: scratchVolume,
    labels: { ...labels(null), [SCRATCH_LABEL]: 'bak_cutoff' },
  });
  const loader = await engine.createAndStart({
    name: `berth-dbverify-${randomBytes(4).toString('hex')}`,
    imageId: images.postgres,
    env: {},
    command: ['sleep', 'infinity'],
    labels: { ...labels(null), [SCRATCH_LABEL]: 'bak_cutoff' },
    port: 5432,
    publishHost: '127.0.0.1',
    publish: false,
    network: 'none',
    dns: null,
    limits: { cpu: 1, memoryMiB: 64, pids: 64 },
    files: [],
    volumes: [{ name: scratchVolume, target: DATABASE_DATA_DIR }],
  });
  const swept = await sweepBackupScratch(engine, AGENT_ID);
  assert.deepEqual(swept, { containers: 1, volumes: 1 });
  const left = await engine.list({ [LABELS.agent]: AGENT_ID });
  assert.ok(!left.some((c) => c.id === loader.id), 'the loader is gone');
  const volumes = (await engine.listVolumes({ [LABELS.agent]: AGENT_ID })).map((v) => v.name);
  assert.ok(!volumes.includes(scratchVolume), 'the scratch volume is gone');
  assert.ok(volumes.includes(kept), 'a volume that is not scratch stays');
});
