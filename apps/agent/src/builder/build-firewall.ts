import {
  applyNftTable,
  isIpv4Cidr,
  planBuildFirewall,
  probeNft,
  type ContainerEngine,
  type NftOptions,
} from '@berth/engine';
import type { SandboxIdentity } from '@berth/engine';
import type { Logger } from 'pino';

/**
 * The host firewall for builds (planBuildFirewall), brought up to date before each build that
 * has egress: every connection of a build leaves through the build user's slirp4netns, and this
 * keeps it from the host's own addresses, the app containers' subnets (as they are now), cloud
 * metadata and SMTP. Without nft the build runs and its log says what it could then reach.
 */
export class BuildFirewall {
  private probed: Promise<string | null> | null = null;
  private applied: string | null = null;

  constructor(
    private readonly deps: {
      tableName: string;
      identity: SandboxIdentity;
      engine: ContainerEngine;
      log: Logger;
      nft?: NftOptions;
    },
  ) {}

  /** Null when the firewall is in force; else a warning for the build log. */
  async ensure(): Promise<string | null> {
    this.probed ??= probeNft(this.deps.nft).then((p) => (p.ok ? null : p.reason));
    const missing = await this.probed;
    if (missing !== null) return this.warning(missing);
    try {
      const { uid, subuids } = this.deps.identity;
      const networks = await this.deps.engine.listNetworks();
      const table = planBuildFirewall({
        tableName: this.deps.tableName,
        uids: [
          { first: uid, last: uid },
          { first: subuids.start, last: subuids.start + subuids.count - 1 },
        ],
        containerSubnets: networks.flatMap((n) => n.subnets.map((s) => s.subnet)).filter(isIpv4Cidr),
      });
      if (table.text !== this.applied) {
        await applyNftTable(table, this.deps.nft);
        this.applied = table.text;
        this.deps.log.info({ table: this.deps.tableName }, 'host firewall for builds applied');
      }
      return null;
    } catch (err) {
      this.applied = null;
      return this.warning(err instanceof Error ? err.message : String(err));
    }
  }

  private warning(reason: string): string {
    const text = `warning: the host firewall for builds is not in force (${reason}): this build's steps can reach this host's own addresses other than loopback, app containers, cloud metadata and SMTP. Install nftables and run the agent as root.`;
    this.deps.log.warn(text);
    return text;
  }
}
