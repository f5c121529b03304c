// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { openSqliteStore } from '../sqlite.js';
import { legacyMigrate } from '../test-support/legacy-migrate.js';
import { HEALTH, NOW, tempDir } from '../test-support/fixtures.js';
import { isTaken, rawConnection } from '../test-support/trust.js';
import type { TokenRow } from '../types.js';
import { MIGRATIONS } from './index.js';

const NEW_TABLES = [
  'audit_log',
  'login_failures',
  'memberships',
  'one_time_tokens',
  'release_secrets',
  'secrets',
  'sessions',
  'users',
];

/** A database as Berth 0001 left it: only the first migration, then rows written by hand. */
async function databaseAt0001(file: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new BetterSqlite3(file) }) });
  await legacyMigrate(db, () => NOW, MIGRATIONS.slice(0, 1));
  await db.destroy();
  const raw = rawConnection(file);
  const health = JSON.stringify(HEALTH);
  raw.exec(`
    insert into teams values ('team_a', 'default', ${NOW}), ('team_b', 'other', ${NOW});
    insert into projects values ('prj_a', 'team_a', 'default', ${NOW}), ('prj_b', 'team_b', 'default', ${NOW});
    insert into apps values ('app_1', 'prj_a', 'web', 'img:1', 8080, null, '{}', '${health}', 1, null, null, null, ${NOW}, ${NOW}),
                            ('app_2', 'prj_b', 'api', 'img:2', 8080, null, '{}', '${health}', 2, null, null, null, ${NOW}, ${NOW});
    insert into releases values ('rel_1', 'app_1', 1, 'img:1', null, '{}', 8080, null, '${health}', 1, ${NOW});
    insert into servers values ('srv_1', 'local', 'MCowBQYDK2VwAyEA', ${NOW}, null);
  `);
  // Duplicate names in team_a: the oldest keeps "admin"; `admin-2` is already taken by another.
  const tokens: [string, string, string, number][] = [
    ['tok_3', 'admin', 'team_a', NOW + 3],
    ['tok_1', 'admin', 'team_a', NOW + 1],
    ['tok_2', 'admin-2', 'team_a', NOW + 2],
    ['tok_4', 'admin', 'team_a', NOW + 3],
    ['tok_5', 'admin', 'team_b', NOW],
  ];
  const insert = raw.prepare(
    `insert into tokens (id, name, hash, role, team_id, created_at) values (?, ?, ?, 'owner', ?, ?)`,
  );
  for (const [id, name, team, at] of tokens) insert.run(id, name, `hash-${id}`, team, at);
  raw.close();
}

describe('migration 0002_trust', () => {
  it('creates the trust tables on a fresh database', async () => {
    const tmp = await tempDir();
    try {
      await (await openSqliteStore({ file: tmp.file })).close();
      const raw = new BetterSqlite3(tmp.file, { readonly: true });
      try {
        const tables = raw.prepare(`select name from sqlite_master where type = 'table'`).all() as {
          name: string;
        }[];
        const names = new Set(tables.map((t) => t.name));
        for (const t of NEW_TABLES) assert.ok(names.has(t), `table ${t} exists`);
        const cols = raw.prepare(`select name from pragma_table_info('servers')`).all() as { name: string }[];
        assert.ok(cols.some((c) => c.name === 'sealing_key'));
      } finally {
        raw.close();
      }
    } finally {
      await tmp.remove();
    }
  });

  it('upgrades a 0001 database with data, keeping every row and renaming duplicate token names', async () => {
    const tmp = await tempDir();
    try {
      await databaseAt0001(tmp.file);
      const store = await openSqliteStore({ file: tmp.file });
      try {
        const apps = await store.apps.list();
        assert.deepEqual(
          apps.map((a) => [a.id, a.teamId, a.replicas]),
          [
            ['app_2', 'team_b', 2],
            ['app_1', 'team_a', 1],
          ],
        );
        assert.equal((await store.releases.list('app_1')).length, 1);
        assert.deepEqual(
          (await store.servers.list()).map((s) => [s.id, s.sealingKey]),
          [['srv_1', null]],
        );
        const names = (await store.tokens.list()).map((t) => [t.id, t.name] as const);
        assert.deepEqual(
          new Map(names),
          new Map([
            ['tok_1', 'admin'],
            ['tok_2', 'admin-2'],
            ['tok_3', 'admin-3'],
            ['tok_4', 'admin-4'],
            ['tok_5', 'admin'],
          ]),
        );
        const dup: TokenRow = {
          id: 'tok_6',
          name: 'admin-3',
          hash: 'hash-6',
          role: 'viewer',
          teamId: 'team_a',
          createdAt: NOW,
          lastUsedAt: null,
          expiresAt: null,
          revokedAt: null,
        };
        await assert.rejects(store.tokens.create(dup), isTaken('name', /"admin-3" already exists/));
      } finally {
        await store.close();
      }
    } finally {
      await tmp.remove();
    }
  });
});
