import type { PlacementApp, PlacementConstraint, PlacementServer, ServerStatus } from './types.js';

/** CPU in thousandths, so sums of 0.1 + 0.2 compare exactly (limits have at most three decimals). */
export const toMilliCpu = (cpu: number): number => Math.round(cpu * 1000);

/** What is reserved on one server so far, and by whom. */
export interface ServerUsage {
  milliCpu: number;
  memoryMiB: number;
  slots: number;
  perApp: Map<string, number>;
}

export const emptyUsage = (): ServerUsage => ({ milliCpu: 0, memoryMiB: 0, slots: 0, perApp: new Map() });

export const takesNewReplicas = (status: ServerStatus): boolean => status === 'ready';

/** Suspect and paused servers keep what they run; draining and down servers give it away. */
export const keepsReplicas = (status: ServerStatus): boolean =>
  status === 'ready' || status === 'suspect' || status === 'paused';

export function satisfies(server: PlacementServer, constraints: readonly PlacementConstraint[]): boolean {
  return constraints.every((c) => (server.labels[c.key] === c.value) === (c.op === '='));
}

/** The app's constraints and, when its data pins it to one server, that server. */
export const allows = (server: PlacementServer, app: PlacementApp): boolean =>
  (app.pinnedTo === undefined || app.pinnedTo.serverId === server.id) && satisfies(server, app.constraints);

export function freeMemoryMiB(server: PlacementServer, usage: ServerUsage): number {
  return server.capacity === null ? Number.POSITIVE_INFINITY : server.capacity.memoryMiB - usage.memoryMiB;
}

export function freeMilliCpu(server: PlacementServer, usage: ServerUsage): number {
  return server.capacity === null
    ? Number.POSITIVE_INFINITY
    : toMilliCpu(server.capacity.cpu) - usage.milliCpu;
}

export const memoryFits = (server: PlacementServer, usage: ServerUsage, app: PlacementApp): boolean =>
  freeMemoryMiB(server, usage) >= app.memoryMiB;

export const cpuFits = (server: PlacementServer, usage: ServerUsage, app: PlacementApp): boolean =>
  freeMilliCpu(server, usage) >= toMilliCpu(app.cpu);

export function reserve(usage: ServerUsage, app: PlacementApp): void {
  usage.milliCpu += toMilliCpu(app.cpu);
  usage.memoryMiB += app.memoryMiB;
  usage.slots += 1;
  usage.perApp.set(app.id, (usage.perApp.get(app.id) ?? 0) + 1);
}
