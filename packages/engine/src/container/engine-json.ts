/**
 * Pure conversions from the engine's JSON (unknown until checked) to the port's types. Docker and
 * Podman's compat service differ in details (Podman's list has no StartedAt, its zero dates are
 * `0001-01-01T00:00:00Z`, exited containers have `Ports: {"8080/tcp": null}`), so every field is
 * read defensively rather than trusted to a declared shape.
 */
import { isIPv4 } from 'node:net';
import type { ContainerDetails, ContainerStatus, EngineCapacity, EngineInfo } from './types.js';

type Json = Record<string, unknown>;

export const asRecord = (v: unknown): Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
export const asString = (v: unknown): string => (typeof v === 'string' ? v : '');
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? (v as unknown[]) : []);

export function toContainerStatus(engineState: string): ContainerStatus {
  if (engineState === 'created' || engineState === 'running') return engineState;
  // A paused container's processes still exist, frozen (`podman pause`, or a whole server frozen
  // for a while): it is not dead, so it must not be replaced. Its health checks fail while it
  // is frozen and pass again once it thaws.
  if (engineState === 'paused') return 'running';
  return 'exited';
}

/** Epoch ms of an engine date; null for missing or zero dates (Go's zero time is year 1). */
export function toEpochMs(date: string): number | null {
  const ms = Date.parse(date);
  return Number.isFinite(ms) && ms > 0 ? ms : null;
}

export function toLabels(v: unknown): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(asRecord(v))) {
    if (typeof value === 'string') labels[key] = value;
  }
  return labels;
}

/**
 * The host binding of `port/tcp`, or of the first bound port when the app port is not known
 * (list): Berth publishes exactly one port per container.
 */
export function toPublished(ports: unknown, port?: number): ContainerDetails['published'] {
  const table = asRecord(ports);
  const keys = port === undefined ? Object.keys(table).filter((k) => k.endsWith('/tcp')) : [`${port}/tcp`];
  for (const key of keys) {
    for (const binding of asArray(table[key])) {
      const b = asRecord(binding);
      const hostPort = Number(asString(b.HostPort));
      if (Number.isInteger(hostPort) && hostPort > 0) return { host: asString(b.HostIp), port: hostPort };
    }
  }
  return null;
}

/** ContainerDetails from GET /containers/{id}/json. */
export function toContainerDetails(inspect: unknown, port?: number): ContainerDetails {
  const c = asRecord(inspect);
  const state = asRecord(c.State);
  const status = toContainerStatus(asString(state.Status));
  const exitCode = typeof state.ExitCode === 'number' ? state.ExitCode : null;
  return {
    id: asString(c.Id),
    name: asString(c.Name).replace(/^\//, ''),
    labels: toLabels(asRecord(c.Config).Labels),
    status,
    startedAtMs: toEpochMs(asString(state.StartedAt)),
    exitCode: status === 'exited' ? exitCode : null,
    published: status === 'running' ? toPublished(asRecord(c.NetworkSettings).Ports, port) : null,
    pid: status === 'running' && typeof state.Pid === 'number' && state.Pid > 0 ? state.Pid : null,
    ...(status === 'running' && { addresses: toAddresses(asRecord(c.NetworkSettings).Networks) }),
  };
}

/** Network name → the container's IPv4 address there; entries without a plain IPv4 are left out. */
export function toAddresses(networks: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(asRecord(networks))) {
    const ip = asString(asRecord(value).IPAddress);
    if (isIPv4(ip)) out[name] = ip;
  }
  return out;
}

/** Ids from GET /containers/json. */
export function toContainerIds(list: unknown): string[] {
  return asArray(list)
    .map((entry) => asString(asRecord(entry).Id))
    .filter((id) => id !== '');
}

/** EngineInfo from GET /version: Podman names itself among the components, Docker does not. */
export function toEngineInfo(version: unknown): EngineInfo {
  const v = asRecord(version);
  const isPodman = asArray(v.Components).some((c) => /podman/i.test(asString(asRecord(c).Name)));
  return {
    kind: isPodman ? 'podman' : 'docker',
    version: asString(v.Version),
    apiVersion: asString(v.ApiVersion),
  };
}

/**
 * The API version to speak: the engine's own, capped at the newest we were written against.
 * Docker 29 refuses versions below 1.44 and Podman 4.3 offers at most 1.41, so no fixed prefix
 * works for both.
 */
export function toApiVersion(engineApiVersion: string, newestKnown: string): string {
  const parse = (s: string): [number, number] | null => {
    const m = /^(\d+)\.(\d+)$/.exec(s);
    return m ? [Number(m[1]), Number(m[2])] : null;
  };
  const engine = parse(engineApiVersion);
  const ours = parse(newestKnown);
  if (!engine || !ours) return newestKnown;
  const older = engine[0] < ours[0] || (engine[0] === ours[0] && engine[1] < ours[1]);
  return older ? engineApiVersion : newestKnown;
}

const MIB = 1024 * 1024;

/** EngineCapacity from GET /info; a field the engine leaves out or garbles reads as 0 (unknown). */
export function toEngineCapacity(info: unknown): EngineCapacity {
  const i = asRecord(info);
  const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);
  return {
    cpuMillis: Math.floor(count(i.NCPU)) * 1000,
    memoryMib: Math.floor(count(i.MemTotal) / MIB),
  };
}
