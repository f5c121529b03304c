import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareCounts, countCommand, dumpCommand, loadCommand, parseCounts } from './engine-tools.js';

test('postgres and mariadb counts come as JSON, names as the catalogue quotes them, sorted', () => {
  const counts = parseCounts(
    'postgres',
    `[{"name" : "public.notes", "count" : 3000}, {"name" : "public.\\"it's a \\"\\"table\\"\\"\\"", "count" : 12}]\n`,
  );
  assert.deepEqual(counts, {
    unit: 'rows',
    counts: [
      { name: `public."it's a ""table"""`, count: 12 },
      { name: 'public.notes', count: 3000 },
    ],
  });
  assert.deepEqual(parseCounts('mysql', '[]'), { unit: 'rows', counts: [] });
});

test('redis counts are the keyspace section, per database', () => {
  const info = '# Keyspace\r\ndb0:keys=2006,expires=0,avg_ttl=0\r\ndb1:keys=1,expires=0,avg_ttl=0\r\n';
  assert.deepEqual(parseCounts('redis', info), {
    unit: 'keys',
    counts: [
      { name: 'db0', count: 2006 },
      { name: 'db1', count: 1 },
    ],
  });
  assert.deepEqual(parseCounts('redis', '# Keyspace\r\n'), { unit: 'keys', counts: [] });
});

test('output that is not counts is an error that quotes it', () => {
  assert.throws(() => parseCounts('postgres', 'ERROR: permission denied'), /not JSON.*permission denied/);
  assert.throws(() => parseCounts('mysql', '[{"name": "t"}]'), /without a name and a count/);
  assert.throws(() => parseCounts('redis', 'NOAUTH Authentication required.'), /no keyspace/);
});

test('compareCounts names each difference', () => {
  const expected = {
    unit: 'rows' as const,
    counts: [
      { name: 'a', count: 1 },
      { name: 'b', count: 2 },
    ],
  };
  assert.deepEqual(compareCounts(expected, expected), []);
  assert.deepEqual(
    compareCounts(expected, {
      unit: 'rows',
      counts: [
        { name: 'a', count: 0 },
        { name: 'c', count: 5 },
      ],
    }),
    ['a: 0 rows, expected 1', 'b: missing (expected 2 rows)', 'c: not in the source (5 rows)'],
  );
});

test('no command carries a credential or a shell; the dumps stream to stdout', () => {
  for (const engine of ['postgres', 'mysql', 'redis'] as const) {
    const all = [dumpCommand(engine), countCommand(engine).cmd];
    if (engine !== 'redis') all.push(loadCommand(engine, true));
    for (const cmd of all) {
      assert.ok(!['sh', 'bash', '/bin/sh'].includes(cmd[0] ?? ''));
      assert.ok(!cmd.some((a) => /password|^-p/i.test(a) && !a.startsWith('--no-password')), cmd.join(' '));
    }
  }
  assert.deepEqual(dumpCommand('redis'), ['redis-cli', '--rdb', '-']);
  assert.ok(dumpCommand('postgres').includes('--format=custom'));
  assert.ok(dumpCommand('mysql').includes('--single-transaction'));
});
