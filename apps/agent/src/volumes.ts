import type { ContainerEngine } from '@berth/engine';
import { LABELS, VOLUME_LABELS, toEngineVolumeName } from '@berth/core';
import {
  BerthError,
  type EngineVolumeMount,
  type VolumeRemoveParams,
  type VolumeRemoveResult,
} from '@berth/protocol';

/**
 * The agent's side of volumes: it makes the engine volumes a desired replica mounts (labelled, so
 * it knows its own), and removes one only when berthd asks (`berth volumes delete`). It never
 * removes one on its own: not for an app that is gone, not for a volume no desired app mounts.
 */

const labelsOf = (agentId: string, m: Pick<EngineVolumeMount, 'volumeId'>): Record<string, string> => ({
  [VOLUME_LABELS.managed]: 'true',
  [LABELS.agent]: agentId,
  [VOLUME_LABELS.volume]: m.volumeId,
});

/** The release's volumes, made when missing; the engine names them for the container spec. */
export async function ensureVolumes(
  engine: Pick<ContainerEngine, 'ensureVolume'>,
  agentId: string,
  mounts: readonly EngineVolumeMount[],
): Promise<{ name: string; target: string }[]> {
  const out: { name: string; target: string }[] = [];
  for (const m of mounts) {
    // berthd names them from the id; the agent holds it to that rather than trusting the pair.
    if (toEngineVolumeName(m.volumeId) !== m.engineName)
      throw new BerthError('VALIDATION_FAILED', `Volume ${m.engineName} is not the volume of ${m.volumeId}`);
    await engine.ensureVolume({ name: m.engineName, labels: labelsOf(agentId, m) });
    out.push({ name: m.engineName, target: m.path });
  }
  return out;
}

/** Removes the volume if it is ours (by its labels); one a container still uses is refused. */
export async function removeVolume(
  engine: Pick<ContainerEngine, 'listVolumes' | 'removeVolume'>,
  agentId: string,
  params: VolumeRemoveParams,
): Promise<VolumeRemoveResult> {
  const ours = await engine.listVolumes(labelsOf(agentId, params));
  if (!ours.some((v) => v.name === params.engineName)) return { outcome: 'absent' };
  const outcome = await engine.removeVolume(params.engineName);
  if (outcome === 'in-use')
    throw new BerthError(
      'VOLUME_IN_USE',
      `A container on this server still uses volume ${params.engineName}`,
      {
        hint: 'Wait for the replicas of the app that mounted it to stop, then delete it again',
      },
    );
  return { outcome: outcome === 'removed' ? 'removed' : 'absent' };
}
