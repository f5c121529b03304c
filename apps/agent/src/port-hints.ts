import { isTargetOf, type ObservedReplica } from '@berth/core';
import type { ContainerDetails, ListeningSocket } from '@berth/engine';
import type { DesiredApp } from '@berth/protocol';

/**
 * Early word on a new replica that fails its health check because it listens elsewhere: a few
 * seconds in, not at the health timeout. What it listens on is read from its network namespace
 * (engine: listen-sockets.ts); the finding is said once per replica, as a deployment event.
 */

export type PortFinding =
  | { kind: 'listening' }
  | { kind: 'loopback-only'; address: string }
  | { kind: 'elsewhere'; ports: number[] }
  | { kind: 'nothing' };

const isLoopback = (address: string): boolean => address === '::1' || address.startsWith('127.');

/** What the sockets say about a replica that should listen on `port`. */
export function toPortFinding(sockets: readonly ListeningSocket[], port: number): PortFinding {
  const onPort = sockets.filter((s) => s.port === port);
  if (onPort.some((s) => !isLoopback(s.address))) return { kind: 'listening' };
  const [loopback] = onPort;
  if (loopback) return { kind: 'loopback-only', address: loopback.address };
  const ports = [...new Set(sockets.filter((s) => !isLoopback(s.address)).map((s) => s.port))].sort(
    (a, b) => a - b,
  );
  return ports.length > 0 ? { kind: 'elsewhere', ports } : { kind: 'nothing' };
}

/** The event for a finding worth saying early; null when it says nothing useful yet. */
export function toPortHint(
  finding: PortFinding,
  replica: string,
  app: { name: string; port: number },
): string | null {
  switch (finding.kind) {
    case 'listening':
    case 'nothing':
      return null;
    case 'loopback-only':
      return `${replica} listens on ${finding.address}:${app.port} only, which connections from outside its container cannot reach — make the app listen on all addresses (0.0.0.0 or ::)`;
    case 'elsewhere': {
      const [first] = finding.ports;
      return `${replica} is listening on ${finding.ports.join(', ')}, not on ${app.port} where Berth probes it — use --port ${first} (berth apps update ${app.name} --port ${first}, then berth deploy ${app.name}), or make the app listen on $PORT (${app.port})`;
    }
  }
}

/**
 * A short clause for the failure message at the health timeout. `refused`: the last probe's
 * connection was refused, which, when the app does listen, points at the engine's port
 * forwarding (the path the edge takes too), not at the app.
 */
export function toPortClause(finding: PortFinding, port: number, refused = false): string | null {
  switch (finding.kind) {
    case 'listening':
      return refused
        ? `yet it listens on ${port} inside its container: the engine's forwarding of its published port did not reach it`
        : null;
    case 'loopback-only':
      return `it listens on ${finding.address}:${port} only`;
    case 'elsewhere':
      return `it listens on ${finding.ports.join(', ')}, not ${port}`;
    case 'nothing':
      return 'it listens on no TCP port';
  }
}

/** How long after its start a failing replica is looked at: apps take a moment to listen. */
const FIRST_LOOK_MS = 2000;
/** Between looks at one replica (reading /proc is cheap, but not every tick). */
const LOOK_EVERY_MS = 1000;

export interface PortHintsDeps {
  read: (pid: number) => Promise<ListeningSocket[] | null>;
}

export class PortHints {
  private readonly said = new Set<string>();
  private readonly lookedAt = new Map<string, number>();

  constructor(private readonly deps: PortHintsDeps) {}

  /** What this replica listens on, for the failure message; null when it cannot be told. */
  async clause(
    container: ContainerDetails | undefined,
    port: number,
    refused: boolean,
  ): Promise<string | null> {
    const finding = await this.find(container, port);
    return finding ? toPortClause(finding, port, refused) : null;
  }

  /**
   * Looks at the new replicas that are still not healthy a moment after they started; returns
   * the hints to say, by app id (each at most once per replica).
   */
  async look(
    replicas: readonly ObservedReplica[],
    containers: ReadonlyMap<string, ContainerDetails>,
    desired: readonly DesiredApp[],
    nowMs: number,
  ): Promise<{ appId: string; message: string }[]> {
    const byId = new Map(desired.map((d) => [d.appId, d]));
    const out: { appId: string; message: string }[] = [];
    for (const r of replicas) {
      const app = byId.get(r.appId);
      if (!app || !this.due(r, app, nowMs)) continue;
      this.lookedAt.set(r.containerId, nowMs);
      const finding = await this.find(containers.get(r.containerId), app.release.port);
      const message = finding && toPortHint(finding, r.name, { name: app.appName, port: app.release.port });
      if (message) {
        this.said.add(r.containerId);
        out.push({ appId: r.appId, message });
      }
    }
    this.forgetAllBut(new Set(replicas.map((r) => r.containerId)));
    return out;
  }

  private due(r: ObservedReplica, app: DesiredApp, nowMs: number): boolean {
    const pending = r.status === 'running' && !r.routed && r.unroutedAtMs === null;
    if (!pending || !isTargetOf(app, r) || r.health === 'healthy') return false;
    if (this.said.has(r.containerId) || r.startedAtMs === null) return false;
    if (nowMs - r.startedAtMs < FIRST_LOOK_MS) return false;
    return nowMs - (this.lookedAt.get(r.containerId) ?? 0) >= LOOK_EVERY_MS;
  }

  private async find(container: ContainerDetails | undefined, port: number): Promise<PortFinding | null> {
    if (!container?.pid) return null;
    const sockets = await this.deps.read(container.pid);
    return sockets ? toPortFinding(sockets, port) : null;
  }

  private forgetAllBut(ids: ReadonlySet<string>): void {
    for (const id of this.lookedAt.keys()) if (!ids.has(id)) this.lookedAt.delete(id);
    for (const id of this.said) if (!ids.has(id)) this.said.delete(id);
  }
}
