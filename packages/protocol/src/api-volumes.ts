import { z } from 'zod';
import { AppName, Id, TeamName } from './names.js';
import { ServerName } from './api-servers.js';

const Timestamp = z.string().describe('RFC 3339 timestamp');

/**
 * Volumes (issue 12): engine volumes on one server that outlive deploys. A volume's name is the
 * team's word for it (`uploads`), checked like an app name; the engine volume is named by Berth
 * (`berth-vol-<id>`), so no name a person types reaches the engine.
 */
export const VolumeName = AppName;

/**
 * A mount path as it crosses the wire: a first filter only (length, no control characters). The
 * API applies @berth/core's mountPathProblem, which holds every rule (absolute, normalised, safe
 * characters, not / or /proc, /sys, /dev, /etc/hosts…) and says which one failed.
 */
export const MountPathInput = z
  .string()
  .min(1, { message: 'must not be empty' })
  .max(1024, { message: 'must be at most 1024 characters' })
  .regex(/^[^\u0000-\u001f\u007f]*$/, { message: 'must not contain control characters' });

export const VolumeMountInput = z.object({ volume: VolumeName, path: MountPathInput }).strict();
export type VolumeMountInput = z.infer<typeof VolumeMountInput>;

export const VolumeMounts = z.array(VolumeMountInput).max(8, { message: 'at most 8 volumes per app' });

/**
 * How an app's new release replaces the old on a server: `rolling` (start new, then stop old:
 * no downtime, both run at once on the volume) or `recreate` (stop old, then start new: for
 * single writers such as SQLite, with a short gap).
 */
export const DEPLOY_STRATEGIES = ['rolling', 'recreate'] as const;
export const DeployStrategy = z.enum(DEPLOY_STRATEGIES);
export type DeployStrategy = z.infer<typeof DeployStrategy>;

/** An engine volume name Berth made (`berth-vol-` and the 20 random characters of the volume's id). */
export const ENGINE_VOLUME_NAME_PATTERN = /^berth-vol-[a-z2-7]{20}$/;

/** A mount as the agent gets it: the engine volume (never a person's string) and the checked path. */
export const EngineVolumeMount = z
  .object({
    engineName: z.string().regex(ENGINE_VOLUME_NAME_PATTERN, { message: 'is not a Berth volume name' }),
    /** The volume's id, put on the engine volume as a label. */
    volumeId: Id,
    path: z
      .string()
      .min(2)
      .max(240)
      .regex(/^(\/[A-Za-z0-9_.][A-Za-z0-9._@+-]*)+$/),
  })
  .strict();
export type EngineVolumeMount = z.infer<typeof EngineVolumeMount>;

/** berthd asks the volume's agent to remove it (`berth volumes delete`), after checking no app mounts it. */
export const VolumeRemoveParams = EngineVolumeMount.pick({ engineName: true, volumeId: true }).strict();
export type VolumeRemoveParams = z.infer<typeof VolumeRemoveParams>;
/** `absent`: the engine had no such volume of ours (never made: no replica had mounted it). */
export const VolumeRemoveResult = z.object({ outcome: z.enum(['removed', 'absent']) });
export type VolumeRemoveResult = z.infer<typeof VolumeRemoveResult>;

export const VolumeCreate = z
  .object({
    name: VolumeName,
    /** The server it lives on; default: the first server that joined (the local one in `berth up`). */
    server: ServerName.optional(),
    /** Defaults to the caller's team when it has one, else the default team. */
    team: TeamName.optional(),
  })
  .strict();
export type VolumeCreate = z.infer<typeof VolumeCreate>;

export const VolumeParams = z.object({ name: VolumeName }).strict();

export const Volume = z.object({
  id: Id,
  name: VolumeName,
  team: TeamName,
  /** The server it lives on. */
  server: ServerName,
  /** The engine's name for it on that server (`berth-vol-…`). */
  engineName: z.string(),
  /** Apps that mount it, and where. */
  mounts: z.array(z.object({ app: AppName, path: z.string() })),
  createdAt: Timestamp,
});
export type Volume = z.infer<typeof Volume>;

export const VolumeList = z.object({ volumes: z.array(Volume) });
export type VolumeList = z.infer<typeof VolumeList>;
