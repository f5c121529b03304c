import { readFile } from 'node:fs/promises';
import {
  parseResolvConf,
  startInternalDns,
  toInternalEdge,
  type ContainerDetails,
  type InternalDnsServer,
  type InternalEdge,
} from '@berth/engine';
import { isTargetOf, parseReplicaLabels } from '@berth/core';
import type { DesiredState } from '@berth/protocol';
import type { Logger } from 'pino';
import type { TeamNetwork } from './networks.js';

/** resolv.conf is read again at most this often (DHCP or an operator may change it). */
const RESOLV_CONF_EVERY_MS = 30_000;

/** The names of each team's apps this server's edge serves: placed here or served from elsewhere. */
export function teamAppNames(state: DesiredState): Map<string, Set<string>> {
  const byTeam = new Map<string, Set<string>>();
  const add = (teamId: string | undefined, appName: string): void => {
    if (teamId === undefined) return;
    const names = byTeam.get(teamId) ?? new Set<string>();
    names.add(appName);
    byTeam.set(teamId, names);
  };
  // A database's workload is no `<app>.internal`: its name is `<db>.db.internal` (teamDatabases).
  for (const app of state.apps) if (app.database === undefined) add(app.teamId, app.appName);
  for (const app of state.elsewhere ?? []) add(app.teamId, app.appName);
  return byTeam;
}

/**
 * Each team's managed databases running here: team id → database name → the replica's address
 * on the team's network. Of several replicas (a recreate's old one still stopping) the target
 * release's newest running one.
 */
export function teamDatabases(
  state: DesiredState,
  containers: readonly ContainerDetails[],
  networks: readonly TeamNetwork[],
): Map<string, Map<string, string>> {
  const byTeam = new Map<string, Map<string, string>>();
  for (const app of state.apps) {
    const network = networks.find((n) => n.teamId === app.teamId);
    if (app.database === undefined || network === undefined) continue;
    const replicas = containers
      .filter((c) => c.status === 'running')
      .flatMap((c) => {
        const labels = parseReplicaLabels(c.labels);
        const address = c.addresses?.[network.name];
        if (labels?.appId !== app.appId || address === undefined) return [];
        return [{ address, target: isTargetOf(app, labels), startedAt: c.startedAtMs ?? 0 }];
      })
      .sort((a, b) => Number(b.target) - Number(a.target) || b.startedAt - a.startedAt);
    const chosen = replicas[0];
    if (chosen === undefined) continue;
    const names = byTeam.get(app.teamId) ?? new Map<string, string>();
    names.set(app.database.name, chosen.address);
    byTeam.set(app.teamId, names);
  }
  return byTeam;
}

interface TeamServer {
  gateway: string;
  server: InternalDnsServer | null;
  /** The bind error last logged, so a retry every tick does not log every tick. */
  lastError: string | null;
}

/**
 * `<app>.internal` for each team's replicas on this server (docs/security.md): a DNS server on
 * each team network's gateway answers the team's names with that gateway, where the host
 * firewall sends port 80 to the edge. The gateway address appears on the host only once the
 * first container joins the bridge (CNI), so binding is retried on every pass until it holds.
 */
export class InternalNames {
  /** How port 80 of the gateways reaches the edge; null: the edge is on loopback, the feature is off. */
  readonly edge: InternalEdge | null;
  private readonly servers = new Map<string, TeamServer>();
  private names = new Map<string, Set<string>>();
  private databases = new Map<string, Map<string, string>>();
  private resolvers: string[] = [];
  private resolvReadAt = -Infinity;

  constructor(
    private readonly deps: {
      httpListen: string;
      /** Port 53 and the firewall's NAT need root: without it the feature is off. */
      isRoot: boolean;
      log: Logger;
      clock: () => number;
      resolvConf?: string;
      /** Tests bind elsewhere than 53. */
      dnsPort?: number;
    },
  ) {
    this.edge = deps.isRoot ? toInternalEdge(deps.httpListen) : null;
    if (!deps.isRoot)
      deps.log.warn(
        'apps do not reach each other as <app>.internal, nor databases as <db>.db.internal: the agent does not run as root',
      );
    else if (this.edge === null)
      deps.log.warn(
        { httpListen: deps.httpListen },
        'apps do not reach each other as <app>.internal: the edge listens on loopback only (set BERTH_AGENT_HTTP_LISTEN to :PORT or a private address)',
      );
  }

  /**
   * The DNS server a new replica of the team gets; null: the engine's default. The gateway even
   * before its DNS server is bound (the first replica gives the bridge its address), but not
   * once binding failed otherwise (port 53 taken): a replica must not lose DNS for this.
   */
  dnsFor(teamId: string, networks: readonly TeamNetwork[]): string | null {
    if (!this.deps.isRoot || this.servers.get(teamId)?.lastError) return null;
    return networks.find((n) => n.teamId === teamId)?.gateway ?? null;
  }

  /** Team id → the subnet its `<app>.internal` routes are served to. */
  subnets(networks: readonly TeamNetwork[]): Map<string, string> {
    if (this.edge === null) return new Map();
    return new Map(networks.filter((n) => n.gateway !== null).map((n) => [n.teamId, n.subnet]));
  }

  /**
   * `containers`: this server's replicas as the engine lists them (their addresses). The DNS
   * servers run whenever the agent is root: `<db>.db.internal` needs no edge; `<app>.internal`
   * names are answered only while the edge can serve them.
   */
  async sync(
    networks: readonly TeamNetwork[],
    state: DesiredState,
    containers: readonly ContainerDetails[] = [],
  ): Promise<void> {
    if (!this.deps.isRoot) return;
    this.names = this.edge === null ? new Map<string, Set<string>>() : teamAppNames(state);
    this.databases = teamDatabases(state, containers, networks);
    await this.readResolvers();
    const wanted = new Map(
      networks.flatMap((n) => (n.gateway === null ? [] : [[n.teamId, n.gateway] as const])),
    );
    for (const [teamId, entry] of this.servers) {
      if (wanted.get(teamId) === entry.gateway) continue;
      await entry.server?.close();
      this.servers.delete(teamId);
    }
    for (const [teamId, gateway] of wanted) {
      const entry = this.servers.get(teamId) ?? { gateway, server: null, lastError: null };
      this.servers.set(teamId, entry);
      if (entry.server === null) await this.bind(teamId, entry);
    }
  }

  async stop(): Promise<void> {
    for (const entry of this.servers.values()) await entry.server?.close();
    this.servers.clear();
  }

  private async bind(teamId: string, entry: TeamServer): Promise<void> {
    try {
      entry.server = await startInternalDns({
        host: entry.gateway,
        ...(this.deps.dnsPort !== undefined && { port: this.deps.dnsPort }),
        names: () => ({
          gateway: entry.gateway,
          apps: this.names.get(teamId) ?? new Set(),
          databases: this.databases.get(teamId) ?? new Map(),
        }),
        resolvers: () => this.resolvers,
      });
      entry.lastError = null;
      this.deps.log.info(
        { team: teamId, gateway: entry.gateway },
        'team DNS (<app>.internal, <db>.db.internal) ready',
      );
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      // Not there yet: the bridge gets its address when its first container joins.
      if (code === 'EADDRNOTAVAIL' || code === entry.lastError) return;
      entry.lastError = code;
      this.deps.log.warn(
        { team: teamId, gateway: entry.gateway, err: code },
        'cannot answer DNS on the team gateway yet; tried again on each pass',
      );
    }
  }

  private async readResolvers(): Promise<void> {
    if (this.deps.clock() - this.resolvReadAt < RESOLV_CONF_EVERY_MS) return;
    this.resolvReadAt = this.deps.clock();
    try {
      this.resolvers = parseResolvConf(await readFile(this.deps.resolvConf ?? '/etc/resolv.conf', 'utf8'));
    } catch {
      this.resolvers = [];
    }
  }
}
