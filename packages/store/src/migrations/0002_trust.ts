import type { Kysely } from 'kysely';

/**
 * Trust: users and how they sign in, secrets at rest, the audit chain; servers learn a sealing
 * key and token names become unique per team. Dialect-neutral DDL, as in 0001.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await createIdentity(db);
  await createSecrets(db);
  await createAudit(db);
  await db.schema.alterTable('servers').addColumn('sealing_key', 'text').execute();
  await renameDuplicateTokenNames(db);
  await db.schema
    .createIndex('tokens_team_id_name_unique')
    .unique()
    .on('tokens')
    .columns(['team_id', 'name'])
    .execute();
}

async function createIdentity(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('disabled_at', 'bigint')
    .addUniqueConstraint('users_email_unique', ['email'])
    .execute();
  await db.schema
    .createTable('memberships')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('memberships_pk', ['user_id', 'team_id'])
    .execute();
  // The primary key serves lookups by user; listing a team's members needs its own index.
  await db.schema.createIndex('memberships_team_id_index').on('memberships').column('team_id').execute();
  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .addUniqueConstraint('sessions_token_hash_unique', ['token_hash'])
    .execute();
  await db.schema.createIndex('sessions_user_id_index').on('sessions').column('user_id').execute();
  await db.schema
    .createTable('one_time_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addUniqueConstraint('one_time_tokens_token_hash_unique', ['token_hash'])
    .execute();
  await db.schema
    .createIndex('one_time_tokens_user_id_index')
    .on('one_time_tokens')
    .column('user_id')
    .execute();
  // No key: two failures of one key in the same millisecond are two failures.
  await db.schema
    .createTable('login_failures')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('login_failures_key_at_index')
    .on('login_failures')
    .columns(['key', 'at'])
    .execute();
  await db.schema.createIndex('login_failures_at_index').on('login_failures').column('at').execute();
}

async function createSecrets(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('secrets')
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('secrets_pk', ['app_id', 'key'])
    .execute();
  await db.schema
    .createTable('release_secrets')
    .addColumn('release_id', 'text', (c) => c.notNull().references('releases.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('release_secrets_pk', ['release_id', 'key'])
    .execute();
}

async function createAudit(db: Kysely<unknown>): Promise<void> {
  // seq is assigned by the repository (last + 1 under the write lock), not by the database, so
  // both dialects number rows the same way and a gap always means a deleted row. team_id has no
  // foreign key on purpose: nothing may delete an audit row by cascade.
  await db.schema
    .createTable('audit_log')
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('actor_kind', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('actor_name', 'text')
    .addColumn('team_id', 'text')
    .addColumn('request_id', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('audit_log_team_id_seq_index')
    .on('audit_log')
    .columns(['team_id', 'seq'])
    .execute();
}

type TokenNames = { tokens: { id: string; team_id: string; name: string; created_at: number } };

/**
 * 0001 did not make token names unique per team, so a database might hold duplicates and the
 * unique index would fail to build. The oldest token keeps its name; each later one becomes the
 * first free `name-2`, `name-3`, … of its team (ordered by created_at, then id: deterministic).
 */
async function renameDuplicateTokenNames(db: Kysely<unknown>): Promise<void> {
  const typed = db.withTables<TokenNames>();
  const rows = await typed
    .selectFrom('tokens')
    .select(['id', 'team_id', 'name'])
    .orderBy('team_id')
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const taken = new Set(rows.map((r) => `${r.team_id}\n${r.name}`));
  const seen = new Set<string>();
  for (const r of rows) {
    const key = `${r.team_id}\n${r.name}`;
    if (!seen.has(key)) {
      seen.add(key);
      continue;
    }
    let n = 2;
    while (taken.has(`${r.team_id}\n${r.name}-${n}`)) n++;
    const name = `${r.name}-${n}`;
    taken.add(`${r.team_id}\n${name}`);
    seen.add(`${r.team_id}\n${name}`);
    await typed.updateTable('tokens').set({ name }).where('id', '=', r.id).execute();
  }
}
