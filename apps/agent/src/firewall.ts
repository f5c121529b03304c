import {
  applyNftTable,
  isIpv4Cidr,
  planContainerFirewall,
  probeNft,
  removeNftTable,
  type ContainerEngine,
  type InternalEdge,
  type NftOptions,
} from '@berth/engine';
import type { Logger } from 'pino';
import type { TeamNetwork } from './networks.js';

/** After a failure, the firewall is tried again at the next change or after this long. */
const RETRY_MS = 60_000;

/**
 * Keeps the host firewall for app containers (planContainerFirewall) in step with the team
 * networks. Without nft, or without the right to use it, the agent runs on and says at start,
 * loudly, what is then unprotected: separate networks still keep teams apart, but containers can
 * reach the host's own addresses, cloud metadata and SMTP.
 */
export class AppFirewall {
  private unavailable: string | null = null;
  private applied: string | null = null;
  private failedAt = 0;
  private peersKey = '';

  constructor(
    private readonly deps: {
      tableName: string;
      engine: ContainerEngine;
      log: Logger;
      clock: () => number;
      nft?: NftOptions;
      /** Where port 80 of the team gateways goes (`<app>.internal`); null: nowhere. */
      internalEdge?: InternalEdge | null;
    },
  ) {}

  async start(): Promise<void> {
    const probe = await probeNft(this.deps.nft);
    if (probe.ok) {
      this.deps.log.info(
        { table: this.deps.tableName, nft: probe.version },
        'host firewall for apps: nftables',
      );
      return;
    }
    this.unavailable = probe.reason;
    this.deps.log.warn(
      `No host firewall for apps (${probe.reason}): app containers can reach this host's own addresses (berthd, the agent, local ports), cloud metadata (169.254.169.254) and outbound SMTP. Teams stay apart on their own networks. Install nftables (apt-get install nftables) and run the agent as root to close this.`,
    );
  }

  /**
   * Called every tick; does something only when the networks or the fleet's other servers
   * (`peers`) changed, or a failed apply is due for a retry. Applies only a ruleset that differs
   * from the one applied.
   */
  async sync(
    networks: readonly TeamNetwork[],
    changed: boolean,
    peers: readonly string[] = [],
  ): Promise<void> {
    if (this.unavailable !== null) return;
    const retryDue = this.failedAt > 0 && this.deps.clock() - this.failedAt >= RETRY_MS;
    const peersKey = [...peers].sort().join(',');
    const peersChanged = peersKey !== this.peersKey;
    if (!changed && !retryDue && !peersChanged) return;
    this.peersKey = peersKey;
    try {
      if (networks.length === 0) {
        if (this.applied === '') return;
        await removeNftTable(this.deps.tableName, this.deps.nft);
        this.applied = '';
        this.failedAt = 0;
        return;
      }
      const table = planContainerFirewall({
        tableName: this.deps.tableName,
        networks: networks.map((n) => ({
          bridge: n.bridge,
          subnet: n.subnet,
          gateway: n.gateway,
          // The compat API does not say whether the engine serves DNS there (netavark and CNI's
          // dnsname do, plain CNI does not): port 53 of the team's own gateway stays open.
          dnsOnGateway: true,
        })),
        otherSubnets: await this.otherSubnets(networks),
        fleetPeers: peers,
        ...(this.deps.internalEdge && { internalEdge: this.deps.internalEdge }),
      });
      if (table.text === this.applied) return;
      await applyNftTable(table, this.deps.nft);
      this.applied = table.text;
      this.failedAt = 0;
      this.deps.log.info(
        { table: this.deps.tableName, networks: networks.map((n) => `${n.name} ${n.subnet}`) },
        'host firewall for apps applied',
      );
    } catch (err) {
      this.failedAt = this.deps.clock();
      this.deps.log.error(
        { err: err instanceof Error ? err.message : String(err) },
        'could not apply the host firewall for apps: containers are not kept from the host, metadata and SMTP until it applies',
      );
    }
  }

  /** Subnets of every other network the engine has: the team's containers reach none of them. */
  private async otherSubnets(ours: readonly TeamNetwork[]): Promise<string[]> {
    const mine = new Set(ours.map((n) => n.subnet));
    const all = await this.deps.engine.listNetworks();
    return all.flatMap((n) => n.subnets.map((s) => s.subnet)).filter((s) => !mine.has(s) && isIpv4Cidr(s));
  }
}
