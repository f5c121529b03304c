import { sql, type Kysely } from 'kysely';

/** This migration's name, as listed in index.ts: also written to the legacy log (see below). */
const NAME = '0007_typed_rollout_state';

/**
 * Typed fields for what was packed into strings, and numbers the database hands out.
 *
 * apps:
 * - `rollout_direction` ('forward' | 'revert') beside `current_deployment_id` replaces `revision`
 *   (a deployment id, or `<id>:revert`).
 * - `current_replicas`: how many replicas of the current release the servers run. `replicas` is
 *   from now on a setting, like image and env, changed when a person asks.
 * - `settings_deployment_id`: the deployment whose request last set the app's settings (image,
 *   env, port, health, replicas, limits, secrets); NULL when they are those of the current release.
 * - `last_release_version`, `last_build_number`: counters that new releases and builds take their
 *   numbers from, under the app row's lock (max + 1 read in two transactions at once gives the same
 *   number twice on PostgreSQL).
 *
 * servers: `desired_version` replaces the `desired_version` meta key.
 *
 * Dialect-neutral DDL and SQL only, like every migration here.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await addAppColumns(db);
  await moveAppData(db);
  await db.schema.alterTable('apps').dropColumn('revision').execute();
  await db.schema
    .alterTable('servers')
    .addColumn('desired_version', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`update servers set desired_version = coalesce(
      (select cast(m.value as bigint) from meta m where m.key = 'desired_version'), 0)`.execute(db);
  await sql`delete from meta where key = 'desired_version'`.execute(db);
  await markLegacyLog(db);
}

async function addAppColumns(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('apps')
    .addColumn('rollout_direction', 'text', (c) => c.notNull().defaultTo('forward'))
    .execute();
  await db.schema
    .alterTable('apps')
    .addColumn('current_replicas', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('apps').addColumn('settings_deployment_id', 'text').execute();
  await db.schema
    .alterTable('apps')
    .addColumn('last_release_version', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('apps')
    .addColumn('last_build_number', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

async function moveAppData(db: Kysely<unknown>): Promise<void> {
  await sql`update apps set rollout_direction = 'revert' where revision like '%:revert'`.execute(db);
  // Until now `replicas` was what ran: it stays the setting and becomes the running count too.
  await sql`update apps set current_replicas = replicas where current_release_id is not null`.execute(db);
  // A deployment still under way set the settings (its request did); its replica count is the
  // one asked for, which the old schema wrote to the app only once the deployment ran.
  await sql`update apps set settings_deployment_id = (
      select d.id from deployments d
      where d.app_id = apps.id and d.status in ('queued', 'preparing', 'rolling_out')
      order by d.created_at desc, d.id desc
      limit 1)`.execute(db);
  await sql`update apps set replicas = (
      select d.replicas from deployments d where d.id = apps.settings_deployment_id)
    where settings_deployment_id is not null`.execute(db);
  await sql`update apps set last_release_version = coalesce(
      (select max(r.version) from releases r where r.app_id = apps.id), 0)`.execute(db);
  await sql`update apps set last_build_number = coalesce(
      (select max(b.number) from builds b where b.app_id = apps.id), 0)`.execute(db);
}

/**
 * Berth before this change kept its own log, `berth_migrations`, and refuses a database whose log
 * names a migration it does not know. Adding this migration's name there makes such a Berth say
 * "upgrade Berth" instead of running against a schema it does not know. Databases made since
 * have no such table, and a Berth that old fails on them before writing anything.
 */
async function markLegacyLog(db: Kysely<unknown>): Promise<void> {
  const tables = await db.introspection.getTables();
  if (!tables.some((t) => t.name === 'berth_migrations')) return;
  await sql`insert into berth_migrations (name, applied_at) values (${NAME}, ${Date.now()})`.execute(db);
}
