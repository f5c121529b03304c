// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { openSqliteStore } from '../sqlite.js';
import { HEALTH, NOW, releaseRow, tempDir } from '../test-support/fixtures.js';
import { legacyMigrate } from '../test-support/legacy-migrate.js';
import { rawConnection } from '../test-support/trust.js';
import { MIGRATIONS } from './index.js';

/**
 * A database as the Berth before 0007 left it (its own runner, migrations 0001–0006), with the
 * states an installation can be in: an app live, one whose failed deployment was put back, one
 * never deployed, one with a scale still queued; releases, builds, secrets, a server and the
 * desired-state version in the meta table.
 */
async function databaseBefore0007(file: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new BetterSqlite3(file) }) });
  await legacyMigrate(
    db,
    () => NOW,
    MIGRATIONS.filter((m) => m.name < '0007'),
  );
  await db.destroy();
  const raw = rawConnection(file);
  const health = JSON.stringify(HEALTH);
  const app = (
    id: string,
    name: string,
    replicas: number,
    current: string | null,
    dep: string | null,
    rev: string | null,
  ) =>
    `('${id}', 'prj_a', '${name}', 'img:${name}', 8080, '{"A":"1"}', '${health}', ${replicas}, ${sql(current)}, ${sql(dep)}, ${sql(rev)}, ${NOW}, ${NOW})`;
  raw.exec(`
    insert into teams values ('team_a', 'default', ${NOW});
    insert into projects values ('prj_a', 'team_a', 'default', ${NOW});
    insert into apps (id, project_id, name, image, port, env, health, replicas,
                      current_release_id, current_deployment_id, revision, created_at, updated_at) values
      ${app('app_live', 'live', 2, 'rel_l2', 'dep_l2', 'dep_l2')},
      ${app('app_back', 'back', 3, 'rel_b1', 'dep_b2', 'dep_b2:revert')},
      ${app('app_new', 'new', 1, null, null, null)},
      ${app('app_scaling', 'scaling', 2, 'rel_s1', 'dep_s1', 'dep_s1')};
    insert into releases (id, app_id, version, image, image_id, env, port, health, replicas, created_at) values
      ('rel_l1', 'app_live', 1, 'img:1', 'sha256:1', '{}', 8080, '${health}', 2, ${NOW}),
      ('rel_l2', 'app_live', 2, 'img:2', 'sha256:2', '{}', 8080, '${health}', 2, ${NOW}),
      ('rel_l3', 'app_live', 3, 'img:3', 'sha256:3', '{}', 8080, '${health}', 2, ${NOW}),
      ('rel_b1', 'app_back', 1, 'img:1', 'sha256:1', '{}', 8080, '${health}', 3, ${NOW}),
      ('rel_b2', 'app_back', 2, 'img:2', null, '{}', 8080, '${health}', 3, ${NOW}),
      ('rel_s1', 'app_scaling', 1, 'img:1', 'sha256:1', '{}', 8080, '${health}', 2, ${NOW});
    insert into deployments (id, app_id, release_id, kind, status, replicas, created_at) values
      ('dep_l2', 'app_live', 'rel_l2', 'deploy', 'succeeded', 2, ${NOW}),
      ('dep_b2', 'app_back', 'rel_b2', 'deploy', 'failed', 3, ${NOW}),
      ('dep_s1', 'app_scaling', 'rel_s1', 'deploy', 'succeeded', 2, ${NOW}),
      ('dep_s2', 'app_scaling', 'rel_s1', 'scale', 'queued', 5, ${NOW + 1});
    insert into builds (id, app_id, number, status, trigger, source, created_at) values
      ('bld_1', 'app_live', 1, 'succeeded', 'deploy', '{"type":"archive","sha256":"${'f'.repeat(64)}","bytes":1}', ${NOW}),
      ('bld_2', 'app_live', 2, 'failed', 'deploy', '{"type":"archive","sha256":"${'f'.repeat(64)}","bytes":1}', ${NOW});
    insert into secrets (app_id, key, value, key_id, created_at, updated_at, file_path)
      values ('app_live', 'TOKEN', 'sealed-token', 'mk_1', ${NOW}, ${NOW}, '/run/secrets/token');
    insert into release_secrets (release_id, key, value, key_id, file_path)
      values ('rel_l2', 'TOKEN', 'sealed-token', 'mk_1', '/run/secrets/token');
    insert into servers (id, name, public_key, sealing_key, created_at) values ('srv_1', 'local', 'MCowBQYDK2VwAyEA', null, ${NOW});
    insert into meta (key, value) values ('desired_version', '42'), ('other', 'kept');
  `);
  raw.close();
}

const sql = (v: string | null): string => (v === null ? 'null' : `'${v}'`);

describe('migration 0007_typed_rollout_state', () => {
  it('moves revision, replicas and the desired version into typed fields; everything else survives', async () => {
    const tmp = await tempDir();
    try {
      await databaseBefore0007(tmp.file);
      const store = await openSqliteStore({ file: tmp.file });
      try {
        const live = await store.apps.getById('app_live');
        assert.deepEqual(
          [live?.currentReleaseId, live?.currentReplicas, live?.currentDeploymentId, live?.rolloutDirection],
          ['rel_l2', 2, 'dep_l2', 'forward'],
        );
        assert.equal(
          live?.settingsDeploymentId,
          null,
          'nothing under way: the settings are the current release’s',
        );
        assert.deepEqual(live?.env, { A: '1' });

        const back = await store.apps.getById('app_back');
        assert.deepEqual(
          [back?.currentReleaseId, back?.currentReplicas, back?.currentDeploymentId, back?.rolloutDirection],
          ['rel_b1', 3, 'dep_b2', 'revert'],
        );

        const fresh = await store.apps.getById('app_new');
        assert.deepEqual(
          [
            fresh?.currentReleaseId,
            fresh?.currentReplicas,
            fresh?.currentDeploymentId,
            fresh?.rolloutDirection,
          ],
          [null, 0, null, 'forward'],
        );

        // The queued scale asked for 5: that is the setting now; 2 still run until it does.
        const scaling = await store.apps.getById('app_scaling');
        assert.deepEqual(
          [scaling?.replicas, scaling?.currentReplicas, scaling?.settingsDeploymentId],
          [5, 2, 'dep_s2'],
        );

        // Numbers carry on from what exists.
        const next = await store.releases.create(releaseRow('app_live', 0));
        assert.equal(next.version, 4);
        assert.equal((await store.releases.create(releaseRow('app_new', 0))).version, 1);
        const build = await store.builds.get('bld_2');
        assert.ok(build);
        assert.equal((await store.builds.create({ ...build, id: 'bld_3', status: 'queued' })).number, 3);

        assert.equal((await store.servers.get('srv_1'))?.desiredVersion, 42);
        assert.equal(await store.meta.get('desired_version'), null, 'the meta key is gone');
        assert.equal(await store.meta.get('other'), 'kept');

        assert.deepEqual(
          (await store.releases.list('app_live')).map((r) => [r.version, r.image, r.imageId]),
          [
            [4, 'localhost/hello:0', null],
            [3, 'img:3', 'sha256:3'],
            [2, 'img:2', 'sha256:2'],
            [1, 'img:1', 'sha256:1'],
          ],
        );
        assert.deepEqual(
          (await store.secrets.list('app_live')).map((s) => [s.key, s.value, s.filePath]),
          [['TOKEN', 'sealed-token', '/run/secrets/token']],
        );
        assert.equal((await store.releaseSecrets.list('rel_l2')).length, 1);
        assert.equal((await store.deployments.get('dep_s2'))?.replicas, 5);
      } finally {
        await store.close();
      }
      const raw = new BetterSqlite3(tmp.file, { readonly: true });
      try {
        const columns = (raw.prepare('pragma table_info(apps)').all() as { name: string }[]).map(
          (c) => c.name,
        );
        assert.ok(!columns.includes('revision'), 'the string column is dropped');
      } finally {
        raw.close();
      }
    } finally {
      await tmp.remove();
    }
  });

  it('on a fresh database, a new server starts at desired version 0 and every bump raises it', async () => {
    const tmp = await tempDir();
    try {
      const store = await openSqliteStore({ file: tmp.file });
      try {
        await store.servers.create({
          id: 'srv_f',
          name: 'local',
          publicKey: 'MCowBQYDK2VwAyEA',
          sealingKey: null,
          createdAt: NOW,
          lastSeenAt: null,
        });
        assert.equal((await store.servers.get('srv_f'))?.desiredVersion, 0);
        await store.servers.bumpDesiredVersions();
        await store.servers.bumpDesiredVersions();
        assert.equal((await store.servers.get('srv_f'))?.desiredVersion, 2);
      } finally {
        await store.close();
      }
    } finally {
      await tmp.remove();
    }
  });
});
