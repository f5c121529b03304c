import { LABELS, toTeamBridgeName, toTeamNetworkName } from '@berth/core';
import type { ContainerDetails, ContainerEngine, NetworkDetails } from '@berth/engine';
import { BerthError, type DesiredApp } from '@berth/protocol';
import type { Logger } from 'pino';

/** A team's network on this server, as the host firewall needs to know it. */
export interface TeamNetwork {
  teamId: string;
  name: string;
  bridge: string;
  subnet: string;
  gateway: string | null;
}

/** A network still in use is not asked to go again before this much time has passed. */
const REMOVE_RETRY_MS = 30_000;

/**
 * One bridge network per team with apps on this server: the team's replicas join it and no
 * other, so apps reach their own team's apps and the engine keeps other teams out. Networks are
 * made before the first replica needs them and removed once no desired app and no container of
 * this agent uses them (the engine refuses to remove a network a container is still on).
 */
export class TeamNetworks {
  private readonly known = new Map<string, TeamNetwork>();
  private readonly removeTriedAt = new Map<string, number>();
  private loaded = false;

  constructor(
    private readonly deps: { engine: ContainerEngine; agentId: string; log: Logger; clock: () => number },
  ) {}

  private labels(teamId?: string): Record<string, string> {
    return {
      [LABELS.managed]: 'true',
      [LABELS.agent]: this.deps.agentId,
      ...(teamId !== undefined && { [LABELS.team]: teamId }),
    };
  }

  /** The network a replica of the team joins; sync() has made it. */
  nameFor(teamId: string): string {
    const net = this.known.get(teamId);
    if (!net) throw new BerthError('INTERNAL', `The network of team ${teamId} is not ready yet`);
    return net.name;
  }

  list(): TeamNetwork[] {
    return [...this.known.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Makes and removes networks to fit the desired apps; true when the set changed (the firewall follows). */
  async sync(desired: readonly DesiredApp[], containers: readonly ContainerDetails[]): Promise<boolean> {
    let changed = false;
    if (!this.loaded) {
      for (const details of await this.deps.engine.listNetworks(this.labels())) {
        const teamId = details.labels[LABELS.team];
        if (teamId) this.known.set(teamId, toTeamNetwork(teamId, details));
      }
      this.loaded = true;
      changed = true;
    }
    const wanted = new Set(desired.map((a) => a.teamId));
    for (const teamId of wanted) {
      if (this.known.has(teamId)) continue;
      const details = await this.deps.engine.ensureNetwork({
        name: toTeamNetworkName(teamId),
        bridge: toTeamBridgeName(teamId),
        labels: this.labels(teamId),
      });
      this.known.set(teamId, toTeamNetwork(teamId, details));
      this.deps.log.info({ network: details.name }, 'team network ready');
      changed = true;
    }
    const inUse = new Set(containers.map((c) => c.labels[LABELS.team]).filter((t) => t !== undefined));
    for (const [teamId, net] of this.known) {
      if (wanted.has(teamId) || inUse.has(teamId)) continue;
      if (this.deps.clock() - (this.removeTriedAt.get(teamId) ?? 0) < REMOVE_RETRY_MS) continue;
      this.removeTriedAt.set(teamId, this.deps.clock());
      const outcome = await this.deps.engine.removeNetwork(net.name);
      if (outcome === 'in-use') continue;
      this.known.delete(teamId);
      this.removeTriedAt.delete(teamId);
      this.deps.log.info({ network: net.name }, 'team network removed: no app of the team runs here');
      changed = true;
    }
    return changed;
  }
}

function toTeamNetwork(teamId: string, details: NetworkDetails): TeamNetwork {
  const first = details.subnets[0];
  if (!first)
    throw new BerthError('INTERNAL', `Network ${details.name} has no IPv4 subnet`, {
      hint: `Remove it (podman network rm ${details.name}); the agent makes it again.`,
    });
  return {
    teamId,
    name: details.name,
    bridge: toTeamBridgeName(teamId),
    subnet: first.subnet,
    gateway: first.gateway,
  };
}
