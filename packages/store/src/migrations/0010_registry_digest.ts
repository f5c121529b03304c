import type { Kysely } from 'kysely';

/**
 * releases.registry_digest: the manifest digest of the release's image in the fleet registry,
 * once berthd had it pushed there (`sha256:…`); null for an image other servers get from a
 * registry of its own, or one not pushed yet. The repository part of the name is derived
 * (team id, app name), never stored, so the registry may move to another address.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('releases').addColumn('registry_digest', 'text').execute();
}
