/**
 * Named engine volumes through the Docker Engine API (Podman's compat service speaks the same):
 * made by the agent for the replicas that mount them, with Berth's labels, and removed only when
 * berthd asks (`berth volumes delete`). Names are Berth's own (`berth-vol-…`): a name that is not
 * is refused here before the engine is asked, whatever the caller.
 */
import { BerthError, ENGINE_VOLUME_NAME_PATTERN } from '@berth/protocol';
import { engineMessage, type EngineHttpClient, type EngineResponse } from './engine-http.js';
import { asRecord, asString } from './engine-json.js';
import type { VolumeDetails, VolumeSpec } from './types.js';

function volumePath(name: string): string {
  if (!ENGINE_VOLUME_NAME_PATTERN.test(name))
    throw new BerthError('VALIDATION_FAILED', `Invalid volume name: ${JSON.stringify(name)}`);
  return `/volumes/${encodeURIComponent(name)}`;
}

const failed = (what: string, res: EngineResponse): BerthError =>
  new BerthError('INTERNAL', `${what} failed: the engine answered ${res.status}: ${engineMessage(res.body)}`);

export function toVolumeDetails(body: unknown): VolumeDetails {
  const v = asRecord(body);
  const labels: Record<string, string> = {};
  for (const [k, value] of Object.entries(asRecord(v.Labels)))
    if (typeof value === 'string') labels[k] = value;
  return { name: asString(v.Name), labels, mountpoint: asString(v.Mountpoint) || null };
}

async function inspectVolume(api: EngineHttpClient, name: string): Promise<VolumeDetails | null> {
  const res = await api.request({ method: 'GET', path: volumePath(name) });
  if (res.status === 404) return null;
  if (res.status !== 200) throw failed(`Inspecting volume ${name}`, res);
  return toVolumeDetails(res.body);
}

/** Creates the volume unless it exists; an existing one without every one of `labels` is not ours. */
export async function ensureVolume(api: EngineHttpClient, spec: VolumeSpec): Promise<VolumeDetails> {
  const existing = await inspectVolume(api, spec.name);
  if (existing) return requireOurs(existing, spec);
  volumePath(spec.name);
  const created = await api.request({
    method: 'POST',
    path: '/volumes/create',
    body: { Name: spec.name, Driver: 'local', Labels: spec.labels },
  });
  // Another creator may have won the race (Podman: 500/409 "…already exists").
  const raced = created.status === 409 || /already exists/i.test(engineMessage(created.body));
  if (created.status !== 201 && created.status !== 200 && !raced)
    throw failed(`Creating volume ${spec.name}`, created);
  const details = await inspectVolume(api, spec.name);
  if (!details) throw new BerthError('INTERNAL', `Volume ${spec.name} was created but cannot be found`);
  return requireOurs(details, spec);
}

function requireOurs(details: VolumeDetails, spec: VolumeSpec): VolumeDetails {
  const foreign = Object.entries(spec.labels).some(([k, v]) => details.labels[k] !== v);
  if (foreign)
    throw new BerthError('INTERNAL', `A volume named ${spec.name} exists but was not made by Berth for it`, {
      hint: `Look at it with: podman volume inspect ${spec.name}`,
    });
  return details;
}

export async function listVolumes(
  api: EngineHttpClient,
  labels: Record<string, string> = {},
): Promise<VolumeDetails[]> {
  const label = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  const res = await api.request({
    method: 'GET',
    path: '/volumes',
    ...(label.length > 0 && { query: { filters: JSON.stringify({ label }) } }),
  });
  if (res.status !== 200) throw failed('Listing volumes', res);
  const list = asRecord(res.body).Volumes;
  // Podman's compat service ORs several label filters (Docker ANDs them): every one must match.
  return (Array.isArray(list) ? (list as unknown[]) : [])
    .map(toVolumeDetails)
    .filter((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value));
}

/** Removes a volume (never forced): one a container still uses is kept (`in-use`), one already gone is `absent`. */
export async function removeVolume(
  api: EngineHttpClient,
  name: string,
): Promise<'removed' | 'in-use' | 'absent'> {
  const res = await api.request({ method: 'DELETE', path: volumePath(name) });
  if (res.status === 204 || res.status === 200) return 'removed';
  if (res.status === 404) return 'absent';
  if (res.status === 409 || /in use|being used/i.test(engineMessage(res.body))) return 'in-use';
  throw failed(`Removing volume ${name}`, res);
}
