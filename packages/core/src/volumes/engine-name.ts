import { LABELS } from '../naming.js';

/**
 * The engine volume of a Berth volume: `berth-vol-<the random part of its id>`. Named by Berth,
 * never by the user's string, so no name a person types reaches the engine, and two Berth
 * installations (or two teams with a volume called `uploads`) on one engine never share one.
 */
export const toEngineVolumeName = (volumeId: string): string =>
  `berth-vol-${volumeId.slice(volumeId.indexOf('_') + 1)}`;

/** Labels on engine volumes: the agent finds its own by them and never touches others. */
export const VOLUME_LABELS = {
  managed: LABELS.managed,
  volume: 'berth.volume',
  volumeName: 'berth.volume.name',
  team: LABELS.team,
} as const;
