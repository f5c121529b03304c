// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { openSqliteStore } from '../sqlite.js';
import { legacyMigrate } from '../test-support/legacy-migrate.js';
import { NOW, tempDir } from '../test-support/fixtures.js';
import { rawConnection } from '../test-support/trust.js';
import { MIGRATIONS } from './index.js';

/** A database as the Berth before 0005 left it, with the default team and another one. */
async function databaseBefore0005(file: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new BetterSqlite3(file) }) });
  const before = MIGRATIONS.filter((m) => m.name < '0005');
  await legacyMigrate(db, () => NOW, before);
  await db.destroy();
  const raw = rawConnection(file);
  raw.exec(`insert into teams values ('tm_default', 'default', ${NOW}), ('tm_other', 'other', ${NOW});`);
  raw.close();
}

describe('migration 0005_team_settings', () => {
  it('lets the default team use local images on upgrade; other teams get the defaults', async () => {
    const tmp = await tempDir();
    try {
      await databaseBefore0005(tmp.file);
      const store = await openSqliteStore({ file: tmp.file });
      try {
        assert.deepEqual(await store.teamSettings.get('tm_default'), {
          teamId: 'tm_default',
          allowLocalImages: true,
          buildNetwork: 'egress',
        });
        assert.deepEqual(await store.teamSettings.get('tm_other'), {
          teamId: 'tm_other',
          allowLocalImages: false,
          buildNetwork: 'egress',
        });
        // Bootstrap on the upgraded database finds the row and keeps it.
        await store.teamSettings.update('tm_default', { allowLocalImages: false }, NOW + 1);
        await store.tenancy.ensureDefaults({ teamId: 'tm_new', projectId: 'prj_new' }, NOW + 2);
        assert.equal((await store.teamSettings.get('tm_default')).allowLocalImages, false);
      } finally {
        await store.close();
      }
    } finally {
      await tmp.remove();
    }
  });

  it('on a fresh install, bootstrap gives the default team local images', async () => {
    const tmp = await tempDir();
    try {
      const store = await openSqliteStore({ file: tmp.file });
      try {
        const { teamId } = await store.tenancy.ensureDefaults({ teamId: 'tm_d', projectId: 'prj_d' }, NOW);
        assert.equal((await store.teamSettings.get(teamId)).allowLocalImages, true);
        const updated = await store.teamSettings.update(teamId, { buildNetwork: 'none' }, NOW);
        assert.deepEqual(updated, { teamId, allowLocalImages: true, buildNetwork: 'none' });
        assert.deepEqual(await store.teamSettings.get(teamId), updated);
      } finally {
        await store.close();
      }
    } finally {
      await tmp.remove();
    }
  });
});
