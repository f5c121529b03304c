import { LABELS } from '@berth/core';
import type { ContainerEngine } from '@berth/engine';

/**
 * Marks what a backup call makes only for itself: the scratch volume a volume backup is unpacked
 * into, the scratch database (container and volume) a dump is verified in, the loader container
 * a restore runs. The value is the backup's id.
 */
export const SCRATCH_LABEL = 'berth.backup.scratch';

/**
 * At the agent's start no backup call is in flight (they end with the agent that ran them), so
 * anything still marked scratch for this agent was left by one cut off (a kill -9, a crash):
 * removed, containers first (a volume in use cannot go). A new database's restored volume is
 * not scratch and stays.
 */
export async function sweepBackupScratch(
  engine: Pick<ContainerEngine, 'list' | 'stopAndRemove' | 'listVolumes' | 'removeVolume'>,
  agentId: string,
): Promise<{ containers: number; volumes: number }> {
  const containers = (await engine.list({ [LABELS.agent]: agentId })).filter(
    (c) => c.labels[SCRATCH_LABEL] !== undefined,
  );
  await Promise.all(containers.map((c) => engine.stopAndRemove(c.id, 0).catch(() => undefined)));
  const volumes = (await engine.listVolumes({ [LABELS.agent]: agentId })).filter(
    (v) => v.labels[SCRATCH_LABEL] !== undefined,
  );
  for (const v of volumes) await engine.removeVolume(v.name).catch(() => undefined);
  return { containers: containers.length, volumes: volumes.length };
}
