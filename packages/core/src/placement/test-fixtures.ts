import type { PlacementApp, PlacementServer } from './types.js';

export function server(id: string, over: Partial<PlacementServer> = {}): PlacementServer {
  return { id, name: id, status: 'ready', labels: {}, capacity: { cpu: 4, memoryMiB: 4096 }, ...over };
}

export function app(id: string, over: Partial<PlacementApp> = {}): PlacementApp {
  return { id, name: id, replicas: 1, cpu: 1, memoryMiB: 512, constraints: [], ...over };
}
