/**
 * Issue 12, managed databases through the CLI against a real `berth up`: `db create` waits until
 * the engine's own check passes; `db shell` reads SQL (or Redis commands) from stdin; an app of
 * the team built on the PostgreSQL image, linked, reads and writes the database by the URL it
 * gets as DATABASE_URL (resolving `<db>.db.internal` on the team network); the data is there
 * after a restart of the database's container; `db delete` is refused while an app is linked and
 * removes the workload and the volume once none is; hostile names are refused with nothing made.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { App, BackupView, Database, Volume } from '@berth/protocol';
import { connect } from 'node:net';
import { BerthUnderTest, freePort, podman } from './support/berth.js';

/** Sends `line` on a TCP connection to 127.0.0.1:port and resolves with the first answer. */
function talk(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(line));
    socket.setTimeout(5_000, () => socket.destroy(new Error(`no answer on port ${port}`)));
    socket.once('data', (d) => {
      resolve(d.toString());
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

const PG_APP = fileURLToPath(new URL('../fixtures/apps/pg-visits', import.meta.url));
const MARKER = join(tmpdir(), `berth-e2e-db-pwned-${process.pid}`);

describe('databases', () => {
  let berth: BerthUnderTest;

  before(async () => {
    berth = await BerthUnderTest.create();
    await berth.start();
    const boot = await berth.cli(['images', 'bootstrap', '--only', 'postgres,redis']);
    assert.equal(boot.code, 0, boot.stdout + boot.stderr);
  });
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    await berth?.destroy();
    for (const c of cleanups) await c();
  });

  const show = (name: string): Promise<Database> => berth.json<Database>(['db', 'show', name]);

  /** `berth db shell NAME` with `input` on stdin (not a terminal: the client reads it). */
  async function shell(name: string, input: string): Promise<string> {
    const r = await berth.cli(['db', 'shell', name], {}, input);
    assert.equal(r.code, 0, `db shell ${name}: ${r.stdout}${r.stderr}`);
    return r.stdout;
  }

  test('db create postgres waits until it accepts connections; show and list say where it is', async () => {
    const created = await berth.cli(['db', 'create', 'main', '--engine', 'postgres', '--memory', '256M']);
    assert.equal(created.code, 0, created.stdout + created.stderr);
    assert.match(created.stdout, /Created postgres database main on .* \(running\)/);
    const d = await show('main');
    assert.deepEqual(
      [d.status, d.version, d.privateAddress, d.volume, d.memoryMiB],
      ['running', '15', 'main.db.internal:5432', 'db-main', 256],
    );
    // Its size, from `du` in its container: a fresh cluster is some tens of MB.
    assert.ok((d.sizeBytes ?? 0) > 1_000_000, `size ${d.sizeBytes}`);
    const human = await berth.cli(['db', 'show', 'main']);
    assert.match(human.stdout, /Size\s+\d+(\.\d)? MB/);
    const { databases } = await berth.json<{ databases: Database[] }>(['db', 'list']);
    assert.deepEqual(
      databases.map((x) => x.name),
      ['main'],
    );
    // Its workload is Berth's: not among the apps, and not changed through them.
    const apps = await berth.json<App[]>(['apps', 'list']);
    assert.ok(!apps.some((a) => a.name === d.workload));
    const scaled = await berth.cli(['scale', d.workload ?? '', '--replicas', '2']);
    assert.notEqual(scaled.code, 0);
    assert.match(scaled.stderr, /runs the database "main"/);
  });

  test('db shell runs psql inside, reading SQL from stdin', async () => {
    const out = await shell(
      'main',
      'create table visits (id serial primary key, at timestamptz not null default now());\n' +
        "create table notes (body text);\ninsert into notes values ('from the shell');\n" +
        'select count(*) as n from notes;\n',
    );
    assert.match(out, /\b1\b/);
  });

  test('an app linked to it reads and writes it by DATABASE_URL', async () => {
    assert.equal((await berth.cli(['apps', 'create', 'visits'])).code, 0);
    const linked = await berth.cli(['db', 'link', 'main', 'visits']);
    assert.equal(linked.code, 0, linked.stdout + linked.stderr);
    assert.match(linked.stdout, /first deploy gets it/);
    const deployed = await berth.cli(['deploy', 'visits', '--from-dir', PG_APP]);
    assert.equal(deployed.code, 0, deployed.stdout + deployed.stderr);
    const first = await berth.get('visits', '/visit');
    const second = await berth.get('visits', '/visit');
    assert.deepEqual([first.body.trim(), second.body.trim()], ['1', '2']);
    const d = await show('main');
    assert.deepEqual(d.links, [{ app: 'visits', as: 'DATABASE_URL' }]);
    // The app's secret is the URL; its value is never shown, only its name.
    const app = await berth.json<App>(['apps', 'show', 'visits']);
    assert.ok(app.secrets.includes('DATABASE_URL'));
    assert.equal((await shell('main', 'select count(*) from visits;\n')).match(/\b2\b/)?.[0], '2');
  });

  test('the data is there after the database container is replaced', async () => {
    const d = await show('main');
    const restarted = await berth.cli(['restart', d.workload ?? '']);
    assert.equal(restarted.code, 0, restarted.stdout + restarted.stderr);
    assert.equal((await show('main')).status, 'running');
    assert.match(await shell('main', 'select body from notes;\n'), /from the shell/);
    // The app reconnects to the new container by name.
    let body = '';
    for (let i = 0; i < 50 && !/^\d+$/.test(body); i++) {
      body = (await berth.get('visits', '/visit')).body.trim();
      if (!/^\d+$/.test(body)) await sleep(200);
    }
    assert.equal(body, '3');
  });

  test('redis with --public-port: SET and GET through db shell; from outside, only with its password', async () => {
    // berth up's edge listens on 127.0.0.1 in these tests: the public port is published there.
    const port = await freePort();
    const created = await berth.cli([
      ...['db', 'create', 'cache', '--engine', 'redis', '--public-port', String(port), '--json'],
    ]);
    assert.equal(created.code, 0, created.stdout + created.stderr);
    const d = JSON.parse(created.stdout) as Database;
    assert.deepEqual([d.status, d.publicPort], ['running', port]);
    const out = await shell('cache', 'SET greeting hello\nGET greeting\nDBSIZE\n');
    assert.match(out, /OK\s+hello\s+1/);
    // The Redis protocol on the public port, and it wants the generated password first.
    assert.match(await talk(port, 'PING\r\n'), /^-NOAUTH/);
    // A taken port, and Berth's own, are refused before anything is made.
    const taken = await berth.cli([
      'db',
      'create',
      'cache2',
      '--engine',
      'redis',
      '--public-port',
      String(port),
    ]);
    assert.equal(taken.code, 1, taken.stdout + taken.stderr);
    assert.match(taken.stderr, /already publishes port/);
    const own = await berth.cli([
      'db',
      'create',
      'cache2',
      '--engine',
      'redis',
      '--public-port',
      String(berth.apiPort),
    ]);
    assert.equal(own.code, 1, own.stdout + own.stderr);
    assert.match(own.stderr, /berthd's API/);
  });

  test('hostile names are refused before anything is made', async () => {
    for (const name of ['x; rm -rf /', '../x', `$(touch ${MARKER})`, "a'b", 'A']) {
      const r = await berth.cli(['db', 'create', name, '--engine', 'postgres']);
      assert.equal(r.code, 1, `${name}: ${r.stdout}${r.stderr}`);
    }
    const badKey = await berth.cli(['db', 'link', 'main', 'visits', '--as', `X;touch ${MARKER}`]);
    assert.equal(badKey.code, 1, badKey.stdout + badKey.stderr);
    const badEngine = await berth.cli(['db', 'create', 'y', '--engine', 'oracle']);
    assert.notEqual(badEngine.code, 0);
    const badVersion = await berth.cli(['db', 'create', 'y', '--engine', 'postgres', '--version', '9.6']);
    assert.equal(badVersion.code, 1);
    assert.match(badVersion.stderr, /not a version Berth offers for this engine \(postgres 15/);
    assert.ok(!existsSync(MARKER), 'no marker file');
    const { databases } = await berth.json<{ databases: Database[] }>(['db', 'list']);
    assert.deepEqual(databases.map((x) => x.name).sort(), ['cache', 'main']);
  });

  test('backups of a database are its dump, verified by a restore into a scratch database and counts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-e2e-db-backups-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const added = await berth.cli(['backups', 'targets', 'add', 'local', '--dir', dir]);
    assert.equal(added.code, 0, added.stdout + added.stderr);
    const run = await berth.cli(['backups', 'run', 'main', '--target', 'local']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /verified/);
    assert.match(run.stdout, /notes\D+1\b/, run.stdout);
    const { backups } = await berth.json<{ backups: BackupView[] }>(['backups', 'list', 'main']);
    assert.deepEqual(
      backups.map((b) => [b.status, b.source.kind]),
      [['verified', 'database']],
    );
    assert.equal((await show('main')).lastVerifiedBackup?.id, backups[0]?.id);
    const redis = await berth.cli(['backups', 'run', 'cache', '--target', 'local']);
    assert.equal(redis.code, 0, redis.stdout + redis.stderr);
    // The database's own volume is not backed up as files under a running engine.
    const raw = await berth.cli(['volumes', 'backup', 'db-main', '--target', 'local']);
    assert.equal(raw.code, 1, raw.stdout + raw.stderr);
    assert.match(raw.stderr, /back up the database/);
  });

  test('backups restore --to: a new database equal to the original row by row (keys for Redis); and in place', async () => {
    const rows = 'select id, at from visits order by id;\nselect body from notes;\n';
    const original = await shell('main', rows);
    const [backup] = (await berth.json<{ backups: BackupView[] }>(['backups', 'list', 'main'])).backups;
    assert.ok(backup);
    const restored = await berth.cli(['backups', 'restore', 'main', backup.id, '--to', 'main-copy']);
    assert.equal(restored.code, 0, restored.stdout + restored.stderr);
    assert.match(restored.stderr, /equals the source at dump time/);
    const copy = await show('main-copy');
    assert.equal(copy.status, 'running');
    assert.notEqual(copy.workload, (await show('main')).workload);
    // Row by row: the visits the app made and the shell's note, as at dump time.
    assert.equal(await shell('main-copy', rows), original);
    // Written to after: the copy is the backup's, not the live database's.
    await shell('main', "insert into notes values ('after the backup');\n");
    assert.doesNotMatch(await shell('main-copy', 'select body from notes;\n'), /after the backup/);

    const [redisBackup] = (await berth.json<{ backups: BackupView[] }>(['backups', 'list', 'cache'])).backups;
    assert.ok(redisBackup);
    const r = await berth.cli([
      'backups',
      'restore',
      'cache',
      redisBackup.id,
      '--to',
      'cache-copy',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(await shell('cache-copy', 'GET greeting\nDBSIZE\n'), /hello\s+1/);

    // Refused, and nothing made: a taken name, a backup of another database, an unknown one.
    const taken = await berth.cli(['backups', 'restore', 'main', backup.id, '--to', 'cache']);
    assert.equal(taken.code, 1, taken.stdout + taken.stderr);
    const wrong = await berth.cli(['backups', 'restore', 'cache', backup.id, '--to', 'x-copy']);
    assert.equal(wrong.code, 1, wrong.stdout + wrong.stderr);
    assert.match(wrong.stderr, /has no backup/);
    const { databases } = await berth.json<{ databases: Database[] }>(['db', 'list']);
    assert.deepEqual(databases.map((x) => x.name).sort(), ['cache', 'cache-copy', 'main', 'main-copy']);
    for (const name of ['main-copy', 'cache-copy'])
      assert.equal((await berth.cli(['db', 'delete', name])).code, 0, `db delete ${name}`);

    // In place: main itself goes back to the backup, and restarts on a new volume; the app's
    // DATABASE_URL still reaches it; the previous volume is kept until deleted.
    const inPlace = await berth.cli(['backups', 'restore', 'main', backup.id, '--json']);
    assert.equal(inPlace.code, 0, inPlace.stdout + inPlace.stderr);
    const result = JSON.parse(inPlace.stdout) as { previousVolume: string | null; status: string };
    assert.deepEqual([result.previousVolume, result.status], ['db-main', 'running']);
    assert.notEqual((await show('main')).volume, 'db-main');
    assert.equal(await shell('main', rows), original);
    let visit = '';
    for (let i = 0; i < 50 && !/^\d+$/.test(visit); i++) {
      visit = (await berth.get('visits', '/visit')).body.trim();
      if (!/^\d+$/.test(visit)) await sleep(200);
    }
    assert.match(visit, /^\d+$/, 'the linked app reaches the restored database');
    const removed = await berth.cli(['volumes', 'delete', 'db-main']);
    assert.equal(removed.code, 0, removed.stdout + removed.stderr);
  });

  test('db delete is refused while an app is linked, then removes the workload and the data', async () => {
    const refused = await berth.cli(['db', 'delete', 'main']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /linked to "visits"/);
    const volumeName = (await show('main')).volume;
    const volumeId = (await berth.json<{ volumes: Volume[] }>(['volumes', 'list'])).volumes.find(
      (v) => v.name === volumeName,
    )?.engineName;
    assert.ok(volumeId);
    const unlinked = await berth.cli(['db', 'unlink', 'main', 'visits']);
    assert.equal(unlinked.code, 0, unlinked.stdout + unlinked.stderr);
    const deleted = await berth.cli(['db', 'delete', 'main']);
    assert.equal(deleted.code, 0, deleted.stdout + deleted.stderr);
    const { volumes } = await berth.json<{ volumes: Volume[] }>(['volumes', 'list']);
    assert.ok(!volumes.some((v) => v.name === volumeName));
    const left = await podman(['volume', 'ls', '--format', '{{.Name}}']);
    assert.ok(!left.stdout.split('\n').includes(volumeId), 'the engine volume is gone');
  });
});
