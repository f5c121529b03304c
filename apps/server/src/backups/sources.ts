import { BerthError } from '@berth/protocol';
import type { Store, VolumeRow } from '@berth/store';

/**
 * A database's volume is not backed up as files: a tar of a running engine's directory is not a
 * consistent copy. Its database is (the engine's own dump, checked by a restore).
 */
export async function refuseDatabaseVolume(store: Store, volume: VolumeRow): Promise<void> {
  const holder = await store.databases.getByVolume(volume.id);
  if (holder)
    throw new BerthError(
      'VALIDATION_FAILED',
      `The volume "${volume.name}" holds the data of the database "${holder.name}": back up the database`,
      { hint: `berth backups run ${holder.name} --target TARGET` },
    );
}
