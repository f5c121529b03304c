import assert from 'node:assert/strict';
import { test } from 'node:test';
import { databaseEngineImage } from '@berth/protocol';
import { DATABASE_DATA_DIR } from './container-spec.js';
import { databaseWorkload, databaseWorkloadName, desiredDatabase } from './workload.js';

const credentials = { user: 'app', database: 'app', password: 'A'.repeat(16) + 'b'.repeat(16) };

test('the password is a secret of the workload, never plain env or an argument', () => {
  for (const engine of ['postgres', 'mysql', 'redis'] as const) {
    const w = databaseWorkload(engine, 'main', credentials, 256);
    assert.ok(!Object.values(w.env).includes(credentials.password), engine);
    assert.ok(!w.command.some((a) => a.includes(credentials.password)), engine);
    assert.ok(
      Object.values(w.secrets).every((v) => v === credentials.password),
      engine,
    );
    assert.ok(Object.keys(w.secrets).length > 0, engine);
    assert.equal(w.image, databaseEngineImage(engine));
    assert.equal(w.mountPath, DATABASE_DATA_DIR);
    assert.equal(w.limits.memoryMiB, 256);
  }
  assert.deepEqual(Object.keys(databaseWorkload('redis', 'c', credentials, 256).secrets), ['REDISCLI_AUTH']);
});

test('the agent gets the engine check and the private name, nothing of the credentials', () => {
  assert.deepEqual(desiredDatabase('redis', 'cache'), {
    name: 'cache',
    engine: 'redis',
    port: 6379,
    health: { command: ['redis-cli', 'ping'], expectOutput: 'PONG' },
  });
  assert.equal(
    databaseWorkload('postgres', 'main', credentials, 512).desired.health.command[0],
    'pg_isready',
  );
});

test('a workload name is db- and 10 hex digits from the random source', () => {
  assert.equal(
    databaseWorkloadName(() => Uint8Array.from([0, 1, 2, 15, 16, 255, 170, 3, 4, 5])),
    'db-012f0fa345',
  );
});
