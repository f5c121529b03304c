import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DatabaseCreate } from '@berth/protocol';
import {
  DATABASE_DATA_DIR,
  DATABASE_ENGINE_INFO,
  databaseConnectionUrl,
  databaseContainerSpec,
  databaseNameProblem,
  describeDatabaseEngines,
  generateDatabaseCredentials,
  generateDatabasePassword,
  resolveDatabaseVersion,
  type RandomSource,
} from './index.js';

/** A deterministic source: the same bytes every time, counting up from `start`. */
const counting =
  (start = 0): RandomSource =>
  (size) =>
    Uint8Array.from({ length: size }, (_, i) => (start + i) % 256);

describe('databaseNameProblem', () => {
  for (const ok of ['main', 'cache', 'db-1', 'a', 'x'.repeat(32)])
    test(`accepts ${ok}`, () => assert.equal(databaseNameProblem(ok), null));
  const hostile = [
    '',
    'x; rm -rf /',
    '../',
    '../../etc/passwd',
    '$(touch /tmp/pwned)',
    '`id`',
    "a'b",
    'a"b',
    'Main',
    'a b',
    '-rf',
    'a-',
    'a--b',
    'a.b',
    'a/b',
    'a\nb',
    'a\u0000b',
    'x'.repeat(33),
    'données',
  ];
  for (const name of hostile)
    test(`refuses ${JSON.stringify(name).slice(0, 40)}`, () => {
      assert.notEqual(databaseNameProblem(name), null);
      assert.equal(DatabaseCreate.safeParse({ name, engine: 'postgres' }).success, false);
    });
});

describe('engines and versions', () => {
  test('each engine has its Debian 12 version, port and image', () => {
    assert.deepEqual(resolveDatabaseVersion('postgres', undefined), { ok: true, version: '15' });
    assert.deepEqual(resolveDatabaseVersion('mysql', undefined), { ok: true, version: '10.11' });
    assert.deepEqual(resolveDatabaseVersion('redis', '7.0'), { ok: true, version: '7.0' });
    assert.equal(DATABASE_ENGINE_INFO.mysql.imageKind, 'mariadb');
    assert.equal(DATABASE_ENGINE_INFO.postgres.port, 5432);
  });
  test('a version Berth does not carry is refused with what it does carry', () => {
    const r = resolveDatabaseVersion('postgres', '16');
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.problem, /PostgreSQL 16 is not offered.*PostgreSQL 15/);
    assert.equal(DatabaseCreate.safeParse({ name: 'main', engine: 'redis', version: '15' }).success, false);
  });
  test('the help line names the products and versions', () =>
    assert.equal(
      describeDatabaseEngines(),
      'postgres (PostgreSQL 15), mysql (MariaDB 10.11), redis (Redis 7.0)',
    ));
});

describe('credentials', () => {
  test('32 letters and digits from the source, fixed user and database', () => {
    const c = generateDatabaseCredentials(counting());
    assert.match(c.password, /^[A-Za-z0-9]{32}$/);
    assert.equal(c.user, 'app');
    assert.equal(c.database, 'app');
    assert.equal(
      c.password,
      generateDatabasePassword(counting()),
      'the source decides: same bytes, same password',
    );
    assert.notEqual(c.password, generateDatabasePassword(counting(7)));
  });
  test('bytes that would bias the alphabet are drawn again', () => {
    // 248..255 are skipped: a source of only those, then zeros, gives only "A".
    let calls = 0;
    const source: RandomSource = (size) => new Uint8Array(size).fill(calls++ === 0 ? 250 : 0);
    assert.equal(generateDatabasePassword(source), 'A'.repeat(32));
    assert.equal(calls, 2);
  });
  test('a source that never gives a usable byte is an error, not a hang', () => {
    assert.throws(() => generateDatabasePassword((size) => new Uint8Array(size).fill(255)), /unusable/);
  });
});

describe('databaseConnectionUrl', () => {
  const credentials = { user: 'app', password: 'A'.repeat(16) + 'b'.repeat(15) + '9', database: 'app' };
  test('one URL per engine, on its port', () => {
    assert.equal(
      databaseConnectionUrl('postgres', credentials, { host: 'db-main.internal' }),
      `postgres://app:${credentials.password}@db-main.internal:5432/app`,
    );
    assert.equal(
      databaseConnectionUrl('mysql', credentials, { host: '10.90.0.3' }),
      `mysql://app:${credentials.password}@10.90.0.3:3306/app`,
    );
    assert.equal(
      databaseConnectionUrl('redis', credentials, { host: 'cache', port: 16379 }),
      `redis://default:${credentials.password}@cache:16379/0`,
    );
  });
  test('parts that would bend the URL are refused', () => {
    for (const host of ['a@b', 'a/b', 'a:1', '', 'a b', 'evil.example#', '[::1]'])
      assert.throws(() => databaseConnectionUrl('postgres', credentials, { host }), /host/);
    assert.throws(() => databaseConnectionUrl('postgres', credentials, { host: 'a', port: 0 }), /port/);
    assert.throws(
      () => databaseConnectionUrl('postgres', { ...credentials, password: 'p@ss/word' }, { host: 'a' }),
      /password/,
    );
  });
});

describe('databaseContainerSpec', () => {
  const credentials = generateDatabaseCredentials(counting(3));
  test('postgres: the server as an argument array, the data under the volume, pg_isready', () => {
    const spec = databaseContainerSpec('postgres', credentials, 1024);
    assert.equal(spec.imageKind, 'postgres');
    assert.equal(spec.dataDir, DATABASE_DATA_DIR);
    assert.equal(spec.port, 5432);
    assert.deepEqual(spec.command.slice(0, 3), ['postgres', '-D', `${DATABASE_DATA_DIR}/pgdata`]);
    assert.ok(spec.command.includes('shared_buffers=256MB'));
    assert.equal(spec.env.BERTH_DB_PASSWORD, credentials.password);
    assert.deepEqual(spec.health.command, ['pg_isready', '-q']);
    assert.equal(spec.shell[0], 'psql');
  });
  test('mysql runs MariaDB, its root by socket only', () => {
    const spec = databaseContainerSpec('mysql', credentials);
    assert.equal(spec.imageKind, 'mariadb');
    assert.equal(spec.command[0], 'mariadbd');
    assert.ok(spec.command.includes(`--datadir=${DATABASE_DATA_DIR}/mysql`));
    assert.ok(spec.command.includes('--innodb-buffer-pool-size=128M'));
    assert.deepEqual(spec.shell, ['mariadb', '--user=root', 'app']);
    assert.ok(!spec.health.command.some((a) => a.includes(credentials.password)));
  });
  test('redis: password in the environment, never on the command line; a memory ceiling', () => {
    const spec = databaseContainerSpec('redis', credentials, 512);
    assert.equal(spec.env.REDISCLI_AUTH, credentials.password);
    assert.ok(!spec.command.some((a) => a.includes(credentials.password)));
    assert.deepEqual(
      spec.command.slice(spec.command.indexOf('--maxmemory'), spec.command.indexOf('--maxmemory') + 2),
      ['--maxmemory', '384mb'],
    );
    assert.equal(spec.shell[0], 'redis-cli');
    assert.equal(spec.health.expectOutput, 'PONG', 'redis-cli exits 0 on NOAUTH: the answer counts');
  });
  test('every argument is one word of the array: no shell', () => {
    for (const engine of ['postgres', 'mysql', 'redis'] as const) {
      const spec = databaseContainerSpec(engine, credentials);
      assert.ok(!['sh', 'bash', '/bin/sh'].includes(spec.command[0] as string));
      assert.ok(spec.command.every((a) => !a.includes('\n')));
    }
  });
});
